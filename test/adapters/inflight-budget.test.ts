import { describe, expect, it } from "vitest";
import { InflightBudget } from "../../src/adapters/node-http/inflight-budget";

/** What the Node server's health check reads from its budget: whether deliveries are refused now. */
describe("InflightBudget.refusing", () => {
  it.each([
    { name: "nothing held", steps: [], refusing: false },
    { name: "room left, nothing refused", steps: [["reserve", 600]], refusing: false },
    { name: "the budget exactly full", steps: [["reserve", 1000]], refusing: true },
    { name: "one delivery alone past the budget", steps: [["reserve", 1500]], refusing: true },
    {
      name: "room left, but less than the last refused delivery",
      steps: [
        ["reserve", 600],
        ["reserve", 500],
      ],
      refusing: true,
    },
    {
      name: "room left for the last refused delivery once another was answered",
      steps: [
        ["reserve", 600],
        ["reserve", 300],
        ["reserve", 500],
        ["release", 0],
      ],
      refusing: false,
    },
    {
      name: "a delivery larger than the last refused one taken since",
      steps: [
        ["reserve", 600],
        ["reserve", 500],
        ["release", 0],
        ["reserve", 700],
      ],
      refusing: false,
    },
    {
      name: "a body without Content-Length refused as it grew",
      steps: [
        ["reserve", 600],
        ["reserve", 0],
        ["grow", 1, 300],
        ["grow", 1, 200],
      ],
      refusing: true,
    },
    {
      name: "everything answered",
      steps: [
        ["reserve", 600],
        ["reserve", 500],
        ["release", 0],
      ],
      refusing: false,
    },
  ] as {
    name: string;
    steps: (["reserve", number] | ["release", number] | ["grow", number, number])[];
    refusing: boolean;
  }[])("$name -> $refusing", ({ steps, refusing }) => {
    const budget = new InflightBudget(1000);
    const reservations: ({ bytes: number } | undefined)[] = [];
    for (const step of steps) {
      if (step[0] === "reserve") reservations.push(budget.reserve(step[1]));
      else if (step[0] === "release") budget.release(reservations[step[1]]!);
      else budget.grow(reservations[step[1]]!, step[2]);
    }
    expect(budget.refusing()).toBe(refusing);
  });
});
