// Child process for the kinesalite engine: an in-memory kinesalite on 127.0.0.1:<port>, which exits
// when its parent closes stdin.
"use strict";
const kinesalite = require("kinesalite");
const port = Number(process.argv[2]);
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
server.listen(port, "127.0.0.1");
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
