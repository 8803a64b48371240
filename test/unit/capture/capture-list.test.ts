import { describe, expect, it } from "vitest";
import { CaptureListError, captureTriggerName, parseCaptureList } from "../../../src/core/capture/capture-list";

describe("parseCaptureList", () => {
  it("reads database.collection and database,collection lines, skipping blanks and comments", () => {
    const list = "\uFEFF# captured\nmonitors.reports\r\n\n  app , orders \nshop.items.archive\n";
    expect(parseCaptureList(list, "list.csv")).toEqual([
      { db: "monitors", coll: "reports", line: 2, ordering: "ordered" },
      { db: "app", coll: "orders", line: 4, ordering: "ordered" },
      { db: "shop", coll: "items.archive", line: 5, ordering: "ordered" },
    ]);
  });

  it.each([
    { line: "app.orders,unordered", entry: { db: "app", coll: "orders", ordering: "unordered" } },
    { line: "app,orders,unordered", entry: { db: "app", coll: "orders", ordering: "unordered" } },
    { line: "app.orders , ordered", entry: { db: "app", coll: "orders", ordering: "ordered" } },
    { line: "app.*", entry: { db: "app", coll: "*", ordering: "ordered" } },
    { line: "app,*,unordered", entry: { db: "app", coll: "*", ordering: "unordered" } },
  ])("reads the optional settings of $line", ({ line, entry }) => {
    expect(parseCaptureList(line, "list.csv")).toEqual([{ ...entry, line: 1 }]);
  });

  it.each([
    ["no separator", "justaname", 'list.csv line 1: "justaname" is not "database.collection" or "database,collection"'],
    ["empty collection", "db.", 'list.csv line 1: "db." is not'],
    [
      "an unknown setting",
      "db,coll,extra",
      'list.csv line 1: after the collection, only "ordered" or "unordered" may follow; found "extra"',
    ],
    [
      "two settings",
      "db.coll,ordered,unordered",
      'list.csv line 1: after the collection, only "ordered" or "unordered" may follow',
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
    ["bad database name", "my db.coll", 'list.csv line 1: database name "my db" is invalid'],
    ["system collection", "db.system.views", 'list.csv line 1: collection name "system.views" is invalid'],
    ["dollar in collection", "db.co$ll", 'list.csv line 1: collection name "co$ll" is invalid'],
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
