// Starts `ftcore lsp` for .ftr files. Everything the editor shows about a recipe comes from that
// server; this file only connects the two.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("ftcore").get("command", ["ftcore", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient("ftcore", "ftcore recipes", server, {
    documentSelector: [{ scheme: "file", language: "ftr" }, { scheme: "untitled", language: "ftr" }],
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
