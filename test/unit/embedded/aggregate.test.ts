import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../../src/embedded/store";

async function collectionOf(count: number) {
  const collection = new EmbeddedStore().db("app").collection("items");
  if (count > 0)
    await collection.insertMany(Array.from({ length: count }, (_, k) => ({ _id: k, group: k % 3, name: `n${k}` })));
  return collection;
}

describe("the embedded store's aggregate", () => {
  const samples: { name: string; count: number; size: number; expected: number }[] = [
    { name: "fewer than the collection holds", count: 1000, size: 40, expected: 40 },
    { name: "more than the collection holds: every document once", count: 25, size: 100, expected: 25 },
    { name: "none asked", count: 10, size: 0, expected: 0 },
    { name: "an empty collection", count: 0, size: 5, expected: 0 },
  ];
  for (const { name, count, size, expected } of samples) {
    it(`$sample first, ${name}: distinct documents of the collection, whole, then the later stages`, async () => {
      const collection = await collectionOf(count);
      const sampled = await collection.aggregate([{ $sample: { size } }]).toArray();
      expect(sampled).toHaveLength(expected);
      expect(new Set(sampled.map((doc) => doc._id)).size).toBe(expected);
      for (const doc of sampled)
        expect(doc).toEqual({ _id: doc._id, group: (doc._id as number) % 3, name: `n${doc._id}` });
      const projected = await collection.aggregate([{ $sample: { size } }, { $project: { _id: 1 } }]).toArray();
      expect(projected).toHaveLength(expected);
      for (const doc of projected) expect(Object.keys(doc)).toEqual(["_id"]);
    });
  }

  it("$sample picks differently from run to run (not the first documents every time)", async () => {
    const collection = await collectionOf(1000);
    const firsts = new Set<string>();
    for (let run = 0; run < 5; run++) {
      const sampled = await collection.aggregate([{ $sample: { size: 10 } }]).toArray();
      firsts.add(
        sampled
          .map((doc) => doc._id as number)
          .sort((a, b) => a - b)
          .join(","),
      );
    }
    expect(firsts.size).toBeGreaterThan(1);
  });

  it("a $sample after another stage samples what that stage gives", async () => {
    const collection = await collectionOf(300);
    const sampled = await collection.aggregate([{ $match: { group: 1 } }, { $sample: { size: 20 } }]).toArray();
    expect(sampled).toHaveLength(20);
    for (const doc of sampled) expect(doc.group).toBe(1);
  });
});
