// Creates the database role and user the bridge's hosts (Node server, Lambda, local runtime with
// MONGODB_URI) need, with exactly these privileges, and the collections and indexes they use:
//   read (find, changeStream) on each captured collection;
//   readWrite (find, insert, update, remove) on the heartbeat, signal, outbox, status, target,
//   dead-letter, liveness, delete-position and reconcile collections.
// Run as a user administrator:
//   BRIDGE_USER=bridge BRIDGE_PASSWORD=... CAPTURED=monitors.reports mongosh "<uri>" --file mongodb/setup-database-user.js
// Atlas manages database users through its UI, API or CLI, not createUser: on Atlas (mongodb.net)
// this script creates the collections and indexes and prints the equivalent `atlas` CLI commands.
/* global db, print, process */
(function setupDatabaseUser(env) {
  const roleName = env.BRIDGE_ROLE || "atlasKinesisBridge";
  const userName = env.BRIDGE_USER || "atlas-kinesis-bridge";
  const password = env.BRIDGE_PASSWORD;
  const namespace = (text) => {
    const dot = text.indexOf(".");
    if (dot <= 0 || dot === text.length - 1) throw new Error(`"${text}" is not "database.collection"`);
    // "db.*" (a whole captured database) is the resource {db, collection: ""}: every collection of it.
    const collection = text.slice(dot + 1);
    return { db: text.slice(0, dot), collection: collection === "*" ? "" : collection };
  };
  const captured = (env.CAPTURED || "monitors.reports")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(namespace);
  const heartbeatDb = env.HEARTBEAT_DATABASE || "streamkap";
  const targetDb = env.FIREHOSE_DATABASE || "monitors";
  const written = [
    { db: heartbeatDb, collection: env.HEARTBEAT_COLLECTION || "streamkap_heartbeat" },
    { db: env.SIGNAL_DATABASE || heartbeatDb, collection: env.SIGNAL_COLLECTION || "streamkap_signal" },
    { db: env.KINESIS_OUTBOX_DATABASE || heartbeatDb, collection: env.KINESIS_OUTBOX_COLLECTION || "kinesis_outbox" },
    { db: env.KINESIS_OUTBOX_DATABASE || heartbeatDb, collection: env.KINESIS_STATUS_COLLECTION || "kinesis_status" },
    { db: targetDb, collection: env.FIREHOSE_COLLECTION || "firehose" },
    { db: targetDb, collection: env.FIREHOSE_DEAD_LETTER_COLLECTION || "firehose_dead_letters" },
    { db: targetDb, collection: env.FIREHOSE_HEARTBEAT_COLLECTION || "firehose_heartbeats" },
    { db: targetDb, collection: env.FIREHOSE_DELETES_COLLECTION || "firehose_deletes" },
    { db: targetDb, collection: env.FIREHOSE_RECONCILE_COLLECTION || "firehose_reconciles" },
  ];
  const key = (ns) => `${ns.db}.${ns.collection}`;
  for (const ns of written) {
    if (captured.some((c) => key(c) === key(ns) || (c.db === ns.db && c.collection === "")))
      throw new Error(`${key(ns)} is both captured and written by the bridge: that would loop forever`);
  }
  const privileges = [
    ...captured.map((ns) => ({
      resource: { db: ns.db, collection: ns.collection },
      actions: ["find", "changeStream"],
    })),
    ...written.map((ns) => ({
      resource: { db: ns.db, collection: ns.collection },
      actions: ["find", "insert", "update", "remove"],
    })),
  ];

  // Collections and indexes (created here, so the bridge's user needs no createCollection/createIndex).
  for (const ns of [...captured.filter((c) => c.collection !== ""), ...written]) {
    const database = db.getSiblingDB(ns.db);
    if (!database.getCollectionNames().includes(ns.collection)) database.createCollection(ns.collection);
  }
  // Delete positions (docs/design.md#protocol) expire after seven days, far beyond Firehose's two-hour
  // retry window; a replay of older S3 backups must come sooner (or be followed by a snapshot).
  const deletes = db.getSiblingDB(targetDb).getCollection(env.FIREHOSE_DELETES_COLLECTION || "firehose_deletes");
  deletes.createIndex({ deletedAt: 1 }, { expireAfterSeconds: 604800, name: "akb_delete_positions_ttl" });
  // A reconcile's read marks, closings and sweep records (docs/design.md#the-sweep) expire after seven
  // days too; a reconcile whose reads take longer to arrive never sweeps (safe; run it again).
  db.getSiblingDB(targetDb)
    .getCollection(env.FIREHOSE_RECONCILE_COLLECTION || "firehose_reconciles")
    .createIndex({ at: 1 }, { expireAfterSeconds: 604800, name: "akb_reconciles_ttl" });
  db.getSiblingDB(env.KINESIS_OUTBOX_DATABASE || heartbeatDb)
    .getCollection(env.KINESIS_OUTBOX_COLLECTION || "kinesis_outbox")
    .createIndex({ partitionKey: 1, _id: 1 }, { name: "akb_outbox_by_document" });

  const onAtlas = typeof db.getMongo === "function" && /mongodb\.net/.test(String(db.getMongo()));
  if (onAtlas) {
    const flags = privileges
      .map((p) =>
        p.actions.map((a) => `--privilege ${a.toUpperCase()}@${p.resource.db}.${p.resource.collection}`).join(" "),
      )
      .join(" ");
    print(
      `Atlas: create the role and user with the Atlas CLI:\n  atlas customDbRoles create ${roleName} ${flags}\n  atlas dbusers create --username ${userName} --role ${roleName}@admin`,
    );
    return;
  }
  const admin = db.getSiblingDB("admin");
  if (admin.getRole(roleName)) admin.updateRole(roleName, { privileges, roles: [] });
  else admin.createRole({ role: roleName, privileges, roles: [] });
  if (!password) {
    print(`Role ${roleName} is ready. Set BRIDGE_PASSWORD to create the user ${userName} too.`);
    return;
  }
  if (admin.getUser(userName)) admin.updateUser(userName, { pwd: password, roles: [{ role: roleName, db: "admin" }] });
  else admin.createUser({ user: userName, pwd: password, roles: [{ role: roleName, db: "admin" }] });
  print(`User ${userName} has role ${roleName}: ${privileges.length} privileges, nothing else.`);
})(typeof process !== "undefined" ? process.env : {});
