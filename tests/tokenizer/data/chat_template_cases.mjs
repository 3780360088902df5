// Makes chat-template-cases.jsonl: our own test templates (written for lpo, exercising the
// Jinja subset real chat templates use) rendered by @huggingface/jinja, the renderer
// transformers.js uses. Run: cd /tmp/x && npm install @huggingface/jinja@0.5.11 &&
//   NODE_PATH=/tmp/x/node_modules node chat_template_cases.mjs > chat-template-cases.jsonl
import { createRequire } from "module";
const require = createRequire(process.env.NODE_PATH + "/");
const { Template } = require("@huggingface/jinja");
import { readFileSync } from "fs";

import { readdirSync } from "fs";
const dir = new URL("./templates/", import.meta.url);
const templates = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".jinja")).sort()
  .map((f) => [f.replace(/\.jinja$/, ""), readFileSync(new URL(f, dir), "utf8")]));
const conversations = {
  one: [{ role: "user", content: "What is 2+3?" }],
  sys: [{ role: "system", content: "You are terse." }, { role: "user", content: "  Name a prime.  " }],
  multi: [
    { role: "system", content: "Be kind." },
    { role: "user", content: "Hi there" },
    { role: "assistant", content: "Hello! How can I help?" },
    { role: "user", content: "Tell me a joke, please" },
    { role: "assistant", content: "<think>\nfunny?\n</think>\n\nWhy did the chicken cross the road?" },
  ],
  unicode: [{ role: "user", content: "Grüße, 世界! \"quoted\" \\ back\ttab" }, { role: "assistant", content: "Ça va — très bien." }],
  twice: [{ role: "user", content: "one" }, { role: "user", content: "two" }],
  tools: [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "C", days: 3 } } }] },
    { role: "tool", content: "{\"temp\": 21}" },
  ],
};
const tools = [{ type: "function", function: { name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
const specials = { bos_token: "<s>", eos_token: "</s>" };
for (const [name, source] of Object.entries(templates)) {
  for (const [conv, messages] of Object.entries(conversations)) {
    for (const gen of [true, false]) {
      const extra = conv === "tools" ? { tools } : name === "features" && gen ? { enable_thinking: false, custom: 7 } : {};
      let text = null, error = null;
      try {
        text = new Template(source).render({ messages, add_generation_prompt: gen, ...specials, ...extra });
      } catch (e) {
        error = String(e.message || e);
      }
      console.log(JSON.stringify({ template: name, conversation: conv, messages, add_generation_prompt: gen, extra, text, error }));
    }
  }
}
