/** What keel tells people who need a key, shared by the CLI, the app-server and model errors. */
export const LOGIN_WITH_API_KEY = "`printenv OPENAI_API_KEY | keel login --with-api-key`";

export const CHATGPT_UNAVAILABLE = `ChatGPT sign-in is not available in keel. Log in with an API key instead: ${LOGIN_WITH_API_KEY}.`;

/** The same for app-server clients, whose user picks an option on a screen. */
export const CHATGPT_UNAVAILABLE_WIRE = `ChatGPT sign-in is not available in keel. Use an OpenAI API key instead: choose the API-key option, or run ${LOGIN_WITH_API_KEY}.`;
