import { render } from "preact";
import { App } from "./components/App.js";
import { initTheme } from "./theme.js";
import { takeToken } from "./token.js";
import "./style.css";

initTheme(document.documentElement, localStorage);
const token = takeToken(location, history, sessionStorage);
render(<App token={token} />, document.getElementById("app")!);
