// Opens YAML files in yaml-language-server (the server behind VS Code's
// Red Hat YAML extension, yamlls in Neovim, Helix and Zed) over LSP stdio,
// as an editor does, and prints one JSON document: each file's diagnostics
// ({line, message}, lines from 1) and, with COMPLETE_AT=LINE:COLUMN (from
// 1), the completion labels offered there in the first file.
//
//   node lsp-check.js SERVER_JS FILE...
//
// tests/schema.rs runs it on the shipped files and on malformed ones.
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const url = require("url");

const [server, ...files] = process.argv.slice(2);
const child = spawn(process.execPath, [server, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
let buf = Buffer.alloc(0);
let id = 0;
const pending = new Map();
const diagnostics = new Map();

function send(msg) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...msg }));
  child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
  child.stdin.write(body);
}
function request(method, params) {
  return new Promise((resolve) => {
    id += 1;
    pending.set(id, resolve);
    send({ id, method, params });
  });
}
child.stdout.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const m = /Content-Length: (\d+)/i.exec(buf.slice(0, end).toString());
    const len = Number(m[1]);
    if (buf.length < end + 4 + len) return;
    const msg = JSON.parse(buf.slice(end + 4, end + 4 + len).toString());
    buf = buf.slice(end + 4 + len);
    if (msg.id !== undefined && pending.has(msg.id) && msg.method === undefined) {
      pending.get(msg.id)(msg.result);
      pending.delete(msg.id);
    } else if (msg.method === "textDocument/publishDiagnostics") {
      diagnostics.set(msg.params.uri, msg.params.diagnostics);
    } else if (msg.id !== undefined && msg.method) {
      // workspace/configuration and the like: answer with nothing.
      send({ id: msg.id, result: msg.method === "workspace/configuration" ? msg.params.items.map(() => null) : null });
    }
  }
});

(async () => {
  await request("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  send({ method: "initialized", params: {} });
  send({ method: "workspace/didChangeConfiguration", params: { settings: { yaml: { validate: true, completion: true, schemaStore: { enable: false } } } } });
  const uris = files.map((f) => url.pathToFileURL(path.resolve(f)).href);
  uris.forEach((uri, i) => {
    send({ method: "textDocument/didOpen", params: { textDocument: { uri, languageId: "yaml", version: 1, text: fs.readFileSync(files[i], "utf8") } } });
  });
  const deadline = Date.now() + 30000;
  while (uris.some((u) => !diagnostics.has(u)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const out = {};
  uris.forEach((u, i) => { out[files[i]] = diagnostics.has(u) ? diagnostics.get(u).map((d) => ({ line: d.range.start.line + 1, message: d.message })) : null; });
  const at = process.env.COMPLETE_AT;
  let completion = null;
  if (at) {
    const [line, character] = at.split(":").map(Number);
    const result = await request("textDocument/completion", {
      textDocument: { uri: uris[0] },
      position: { line: line - 1, character: character - 1 },
    });
    const items = Array.isArray(result) ? result : (result && result.items) || [];
    completion = items.map((i) => i.label);
  }
  console.log(JSON.stringify({ diagnostics: out, completion }));
  await request("shutdown", null);
  send({ method: "exit" });
  setTimeout(() => process.exit(0), 200);
})();
