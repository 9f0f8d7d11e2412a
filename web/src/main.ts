// Placeholder page (w-ui replaces it): connects with the token from the URL fragment and shows
// the connection state, so the server side and the browser harness can be tested.
const status = document.querySelector<HTMLElement>('[data-testid="conn-status"]');
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem("keel-token", fromHash);
  history.replaceState(null, "", location.pathname);
}
const token = sessionStorage.getItem("keel-token") ?? "";
const socket = new WebSocket(`ws://${location.host}/`, ["keel.v2", `keel-token.${token}`]);
socket.onopen = () => {
  socket.send(
    JSON.stringify({
      id: 1,
      method: "initialize",
      params: { clientInfo: { name: "keel_web", title: null, version: "0.1.0" }, capabilities: { experimentalApi: true } },
    }),
  );
};
socket.onmessage = (event) => {
  const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
  if (message.id === 1 && message.result !== undefined) {
    socket.send(JSON.stringify({ method: "initialized" }));
    if (status) status.textContent = "connected";
  }
};
socket.onclose = () => {
  if (status) status.textContent = "disconnected";
};
