import { describe, expect, it } from "vitest";
import {
  CaptureListError,
  captureTriggerName,
  parseCaptureList,
} from "../../../../src/core/capture/shaping/capture-list";
import { NO_OPTIONS } from "../../../../src/core/capture/shaping/capture-options";

describe("parseCaptureList", () => {
  it("reads database.collection and database,collection lines, skipping blanks and comments", () => {
    const list = "\uFEFF# captured\nmonitors.reports\r\n\n  app , orders \nshop.items.archive\n";
    expect(parseCaptureList(list, "list.csv")).toEqual([
      { db: "monitors", coll: "reports", line: 2, ordering: "ordered", options: NO_OPTIONS },
      { db: "app", coll: "orders", line: 4, ordering: "ordered", options: NO_OPTIONS },
      { db: "shop", coll: "items.archive", line: 5, ordering: "ordered", options: NO_OPTIONS },
    ]);
  });

  it.each([
    { line: "app.orders,unordered", entry: { db: "app", coll: "orders", ordering: "unordered" } },
    { line: "app,orders,unordered", entry: { db: "app", coll: "orders", ordering: "unordered" } },
    { line: "app.orders , ordered", entry: { db: "app", coll: "orders", ordering: "ordered" } },
    { line: "app.*", entry: { db: "app", coll: "*", ordering: "ordered" } },
    { line: "app,*,unordered", entry: { db: "app", coll: "*", ordering: "unordered" } },
  ])("reads the optional settings of $line", ({ line, entry }) => {
    expect(parseCaptureList(line, "list.csv")).toEqual([{ ...entry, line: 1, options: NO_OPTIONS }]);
  });

  it.each([
    {
      line: 'app.users,ordered,exclude=ssn|profile.email,mask=phone,"match={""region"": ""eu""}"',
      entry: { db: "app", coll: "users", ordering: "ordered" },
      options: { exclude: ["ssn", "profile.email"], mask: ["phone"], match: '{"region": "eu"}' },
    },
    {
      line: "app,users,exclude=ssn",
      entry: { db: "app", coll: "users", ordering: "ordered" },
      options: { exclude: ["ssn"], mask: [] },
    },
    {
      line: "app.users, mask = phone | cards.number ,unordered",
      entry: undefined,
      options: undefined,
    },
    {
      line: 'shop.*,unordered,"match={""total"": {""$gte"": {""$numberDecimal"": ""100""}}, ""status"": {""$in"": [""paid"", ""sent""]}}"',
      entry: { db: "shop", coll: "*", ordering: "unordered" },
      options: {
        exclude: [],
        mask: [],
        match: '{"total": {"$gte": {"$numberDecimal": "100"}}, "status": {"$in": ["paid", "sent"]}}',
      },
    },
    {
      line: "app.users,mask= phone | cards.number ",
      entry: { db: "app", coll: "users", ordering: "ordered" },
      options: { exclude: [], mask: ["phone", "cards.number"] },
    },
  ])("reads the options of $line", ({ line, entry, options }) => {
    if (entry === undefined) {
      // The ordering comes right after the collection, never after an option.
      expect(() => parseCaptureList(line, "list.csv")).toThrow(
        'list.csv line 1: "ordered" or "unordered" comes once, right after the collection',
      );
      return;
    }
    expect(parseCaptureList(line, "list.csv")).toEqual([{ ...entry, line: 1, options }]);
  });

  it.each([
    ["no separator", "justaname", 'list.csv line 1: "justaname" is not "database.collection" or "database,collection"'],
    ["empty collection", "db.", 'list.csv line 1: "db." is not'],
    [
      "an unknown setting",
      "mydb,coll,extra",
      'list.csv line 1: unknown option "extra" (after the collection and its ordering come exclude=<path>|…, mask=<path>|…, match=<JSON filter>)',
    ],
    [
      "two settings",
      "db.coll,ordered,unordered",
      'list.csv line 1: "ordered" or "unordered" comes once, right after the collection',
    ],
    [
      "a header line",
      "database,collection\napp.orders",
      'list.csv line 1: "database,collection" looks like a header line; the capture list has none (remove it; to capture a database named "database", write database.collection)',
    ],
    [
      "a header line after comments, in other words",
      "# what we capture\n\nDB , Collection , ordering\napp.orders",
      'list.csv line 3: "DB , Collection , ordering" looks like a header line',
    ],
    ["an unknown option", "app.users,exlude=ssn", 'list.csv line 1: unknown option "exlude=ssn"'],
    ["an option given twice", "app.users,mask=a,mask=b", "list.csv line 1: mask= is given twice"],
    ["an empty path list", "app.users,exclude=", "list.csv line 1: exclude= needs at least one field path"],
    ["an empty path", "app.users,exclude=a||b", 'list.csv line 1: exclude: "" is not a field path (an empty part)'],
    [
      "a dollar path",
      "app.users,mask=a.$b",
      'list.csv line 1: mask: "a.$b" is not a field path (a part starts with $)',
    ],
    [
      "an array position",
      "app.users,exclude=cards.0.number",
      'list.csv line 1: exclude: "cards.0.number" names an array position',
    ],
    [
      "the document key",
      "app.users,mask=_id.email",
      'list.csv line 1: mask: "_id.email" is in the document key _id, which every record carries whole',
    ],
    [
      "paths separated by a semicolon",
      "app.users,exclude=ssn;phone",
      'list.csv line 1: exclude: "ssn;phone" holds ";": paths are separated by |; did you mean "ssn|phone"?',
    ],
    [
      "a semicolon among pipes",
      "app.users,mask=phone|cards.number; cards.cvc",
      'list.csv line 1: mask: "cards.number; cards.cvc" holds ";": paths are separated by |; did you mean "phone|cards.number|cards.cvc"?',
    ],
    [
      "paths separated by a quoted comma",
      'app.users,"exclude=ssn,phone"',
      'list.csv line 1: exclude: "ssn,phone" holds ",": paths are separated by |; did you mean "ssn|phone"?',
    ],
    [
      "paths separated by an unquoted comma (a field of its own)",
      "app.users,exclude=ssn,phone",
      'list.csv line 1: unknown option "phone" (after the collection and its ordering come exclude=<path>|…, mask=<path>|…, match=<JSON filter>); paths are separated by |: did you mean "exclude=ssn|phone"?',
    ],
    ["a path listed twice", "app.users,exclude=a|a", 'list.csv line 1: exclude: "a" is listed twice'],
    [
      "a path both excluded and masked",
      "app.users,exclude=profile,mask=profile.phone",
      'list.csv line 1: "profile.phone" is masked and "profile" excluded: a path may be one or the other',
    ],
    ["a filter that is not JSON", 'app.users,"match={region: ""eu""}"', "list.csv line 1: match= is not valid JSON"],
    [
      "an unquoted filter with quotes",
      'app.users,match={"region": "eu"}',
      "list.csv line 1: is not valid CSV (Invalid Opening Quote",
    ],
    ["an unclosed quote", 'app.users,"match={', "list.csv line 1: is not valid CSV (Quote Not Closed"],
    [
      "a filter that is not an object",
      'app.users,"match=[1]"',
      "list.csv line 1: match: the filter must be a JSON object",
    ],
    [
      "an unsupported operator",
      'app.users,"match={""name"": {""$regex"": ""^a""}}"',
      "list.csv line 1: match: name: $regex is not supported (supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, $and, $or, $nor)",
    ],
    [
      "$expr",
      'app.users,"match={""$expr"": {""$gt"": [""$a"", 1]}}"',
      "list.csv line 1: match: $expr: $expr is not supported",
    ],
    [
      "a regular expression value",
      'app.users,"match={""name"": {""$regularExpression"": {""pattern"": ""a"", ""options"": """"}}}"',
      "list.csv line 1: match: name: $regularExpression values are not supported",
    ],
    [
      "an operator inside a value",
      'app.users,"match={""profile"": {""age"": {""$gt"": 1}}}"',
      "list.csv line 1: match: profile.age: $gt cannot stand inside a value (name the field by its dotted path instead)",
    ],
    [
      "operators mixed with fields",
      'app.users,"match={""age"": {""$gt"": 1, ""x"": 2}}"',
      'list.csv line 1: match: age mixes operators and fields ("x")',
    ],
    [
      "$in without an array",
      'app.users,"match={""age"": {""$in"": 1}}"',
      "list.csv line 1: match: age.$in needs an array",
    ],
    [
      "$exists without a boolean",
      'app.users,"match={""age"": {""$exists"": 1}}"',
      "list.csv line 1: match: age.$exists needs true or false",
    ],
    [
      "$gt with a document",
      'app.users,"match={""age"": {""$gt"": {""a"": 1}}}"',
      "list.csv line 1: match: age.$gt needs a number, string, date, ObjectId, boolean or null",
    ],
    [
      "$not with a value",
      'app.users,"match={""age"": {""$not"": 5}}"',
      'list.csv line 1: match: age.$not needs an operator object such as {"$gt": 5}',
    ],
    [
      "$or without filters",
      'app.users,"match={""$or"": []}"',
      "list.csv line 1: match: $or needs a non-empty array of filters",
    ],
    [
      "a collection inside a captured database",
      "app.*\napp.orders",
      "list.csv line 2: app.orders overlaps app.* on line 1",
    ],
    [
      "a whole database after one of its collections",
      "app.orders\napp.*",
      "list.csv line 2: app.* overlaps app.orders on line 1",
    ],
    [
      "a database name with a space",
      "my db.coll",
      'list.csv line 1: "my db" is not a valid database name: it holds a space (MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)',
    ],
    [
      "a whole database with a bad name",
      "a:b.*",
      'list.csv line 1: "a:b" is not a valid database name: it holds ":" (MongoDB refuses',
    ],
    [
      "a system collection",
      "db.system.views",
      'list.csv line 1: "system.views" is not a valid collection name: the "system." prefix is MongoDB\'s own',
    ],
    [
      "a dollar in a collection name",
      "db.co$ll",
      'list.csv line 1: "co$ll" is not a valid collection name: it holds "$"',
    ],
    [
      "a namespace over 255 bytes",
      `db.${"c".repeat(253)}`,
      `list.csv line 1: "db.${"c".repeat(77)}" is not a valid namespace: it is 256 bytes long (at most 255)`,
    ],
  ])("rejects %s, naming the line", (_name, line, message) => {
    expect(() => parseCaptureList(line, "list.csv")).toThrow(message);
  });

  it("reports every bad line at once, and duplicates with the first line", () => {
    const error = (() => {
      try {
        parseCaptureList("a.b\nbad\na,b\n", "list.csv");
      } catch (e) {
        return e as CaptureListError;
      }
    })();
    expect(error?.problems).toEqual([
      'list.csv line 2: "bad" is not "database.collection" or "database,collection"',
      "list.csv line 3: a.b is already listed on line 1",
    ]);
  });
});

describe("captureTriggerName", () => {
  it("is readable when it can be, unique and within 64 allowed characters when it cannot", () => {
    expect(captureTriggerName("monitors", "reports")).toBe("capture_monitors_reports");
    expect(captureTriggerName("app", "*")).toBe("capture_app");
    const dotted = captureTriggerName("shop", "items.archive");
    expect(dotted).toMatch(/^capture_shop_items_archive_[0-9a-f]{8}$/);
    expect(dotted).not.toBe(captureTriggerName("shop", "items_archive"));
    const long = captureTriggerName("d".repeat(60), "c".repeat(60));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
