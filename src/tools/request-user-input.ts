import { z } from "zod";
import { type FunctionToolSpec, type ParsedArguments, parseToolArguments } from "./specs.js";

/**
 * The `request_user_input` tool: the model asks the user one to three multiple-choice questions
 * and waits for the answers. Name, parameters and rules follow Codex 0.169 (which offers it in
 * every mode and refuses it outside Plan mode when called); the wording is keel's.
 */

export const REQUEST_USER_INPUT_TOOL_NAME = "request_user_input";

/** The tool; `modes` names where it may be used ("Plan", or "Default or Plan"). */
export function requestUserInputToolSpec(modes = "Plan"): FunctionToolSpec {
  return {
    type: "function",
    name: REQUEST_USER_INPUT_TOOL_NAME,
    description: `Ask the user one to three short questions and wait for their answers. Only usable in ${modes} mode.`,
    strict: false,
    parameters: {
      type: "object",
      properties: {
        questions: {
          type: "array",
          description: "The questions to show, ideally one and never more than three.",
          items: {
            type: "object",
            properties: {
              header: {
                type: "string",
                description: "A label of at most 12 characters the interface shows above the question.",
              },
              id: {
                type: "string",
                description: "A stable snake_case key; the answers come back under it.",
              },
              options: {
                type: "array",
                description:
                  'Two or three choices that exclude each other, the recommended one first with "(Recommended)" after its label. Leave out any "Other" choice: the interface always adds a free-text one.',
                items: {
                  type: "object",
                  properties: {
                    description: {
                      type: "string",
                      description: "One short sentence on what choosing this option means.",
                    },
                    label: { type: "string", description: "What the user sees, one to five words." },
                  },
                  required: ["label", "description"],
                  additionalProperties: false,
                },
              },
              question: { type: "string", description: "The question itself, in one sentence." },
            },
            required: ["id", "header", "question", "options"],
            additionalProperties: false,
          },
        },
      },
      required: ["questions"],
      additionalProperties: false,
    },
  };
}

const OptionSchema = z.object({ label: z.string(), description: z.string() });

const ArgsSchema = z.object({
  questions: z.array(
    z.object({
      id: z.string(),
      header: z.string(),
      question: z.string(),
      options: z.array(OptionSchema).nullish(),
    }),
  ),
});

/** One question as the client receives it (`ToolRequestUserInputQuestion`). */
export interface UserInputQuestion {
  id: string;
  header: string;
  question: string;
  isOther: boolean;
  isSecret: boolean;
  options: { label: string; description: string }[] | null;
}

/** The client's answers keyed by question id, passed back to the model as JSON. */
export interface UserInputAnswers {
  answers: Record<string, { answers: string[] }>;
}

/** Codex's texts for the model, word for word: the model may have learnt to react to them. */
export const USER_INPUT_MESSAGES = {
  unavailable: (modeName: string) => `request_user_input is unavailable in ${modeName} mode`,
  missingOptions: "request_user_input requires non-empty options for every question",
  cancelled: "request_user_input was cancelled before receiving a response",
};

/**
 * Parses the model's arguments into the questions to send. Every question needs options, and
 * each gets the free-text "Other" choice (`isOther`), as in Codex.
 */
export function parseUserInputQuestions(json: string): ParsedArguments<UserInputQuestion[]> {
  const parsed = parseToolArguments(ArgsSchema, json);
  if (!parsed.ok) return parsed;
  const questions = parsed.value.questions;
  if (questions.some((q) => !q.options || q.options.length === 0)) {
    return { ok: false, message: USER_INPUT_MESSAGES.missingOptions };
  }
  return {
    ok: true,
    value: questions.map((q) => ({
      id: q.id,
      header: q.header,
      question: q.question,
      isOther: true,
      isSecret: false,
      options: q.options ?? null,
    })),
  };
}
