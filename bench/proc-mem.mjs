// Resident memory of a process tree on Linux: VmRSS / VmHWM from /proc/<pid>/status, summed over
// the process and all its descendants (children found through /proc/<pid>/task/*/children).
import fs from "node:fs";

/** The pid and every descendant's pid (processes that exit while we walk are skipped). */
export function processTree(rootPid) {
  const seen = new Set();
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tasks = [];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
        if (text) for (const child of text.split(/\s+/)) stack.push(Number(child));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return [...seen];
}

/** {rssKb, hwmKb} of one process (VmRSS, VmHWM); zeros once it has exited. */
export function processMemory(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+)/m.exec(text);
    return { rssKb: rss ? Number(rss[1]) : 0, hwmKb: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return { rssKb: 0, hwmKb: 0 };
  }
}

/** {rssKb, hwmKb, processes} summed over the tree rooted at `pid`. */
export function treeMemory(pid) {
  let rssKb = 0;
  let hwmKb = 0;
  const pids = processTree(pid);
  for (const p of pids) {
    const s = processMemory(p);
    rssKb += s.rssKb;
    hwmKb += s.hwmKb;
  }
  return { rssKb, hwmKb, processes: pids.length };
}

/** `treeMemory`'s shape for one process alone (not the commands it runs). */
export function singleProcess(pid) {
  return { ...processMemory(pid), processes: 1 };
}

/**
 * Samples the tree's summed VmRSS every `intervalMs` until `stop()`; returns the peak. `measure`
 * picks what is sampled (e.g. one process alone: `singleProcess`).
 */
export function startPeakSampler(pid, intervalMs = 10, measure = treeMemory) {
  let peakKb = 0;
  let maxProcesses = 0;
  let samples = 0;
  const sample = () => {
    const m = measure(pid);
    samples++;
    if (m.rssKb > peakKb) peakKb = m.rssKb;
    if (m.processes > maxProcesses) maxProcesses = m.processes;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakKb, maxProcesses, samples };
    },
  };
}
