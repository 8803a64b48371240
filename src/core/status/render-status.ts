import type { DeploymentStatus, Level } from "./deployment-status";
import { formatDuration } from "./format-duration";

/** Exit codes of `npm run status`, as monitoring plugins read them; 3 is "could not check". */
export const EXIT_CODE: Readonly<Record<Level, number>> = { ok: 0, warning: 1, critical: 2 };
export const EXIT_UNKNOWN = 3;

/** The status as a readable report: one table per part, then the findings, worst first. */
export function renderStatus(status: DeploymentStatus): string {
  return [
    `atlas-kinesis-bridge status at ${status.checkedAt.toISOString()}: ${status.level.toUpperCase()}`,
    "",
    renderApps(status.apps),
    "",
    ...status.capture.flatMap((capture) => [...renderCapture(capture), ""]),
    ...renderOutbox(status.outbox),
    "",
    ...renderDeadLetters(status.deadLetters24h),
    "",
    ...renderSnapshots(status.snapshots),
    ...renderSweeps(status.sweeps),
    "",
    renderFindings(status.findings),
  ].join("\n");
}

function renderApps(apps: DeploymentStatus["apps"]): string {
  return table(
    ["app", "last heartbeat", "age", "outbox then", "webhook saw it", "end-to-end lag"],
    apps.map((a) => [
      a.app,
      when(a.lastHeartbeatAt),
      duration(a.heartbeatAgeMs),
      a.outboxDepthAtHeartbeat === null ? "-" : String(a.outboxDepthAtHeartbeat),
      when(a.webhookReceivedAt),
      duration(a.endToEndLagMs),
    ]),
  );
}

function renderCapture(c: DeploymentStatus["capture"][number]): string[] {
  const lines = [
    `capture ${c.app}: stream ${c.stream.state.toUpperCase()} (${c.stream.detail}); ` +
      (c.checkedAt
        ? `triggers as the heartbeat saw them at ${when(c.checkedAt)}` +
          (c.adminApi === "not_configured"
            ? " (no Admin API key: trigger states unknown)"
            : c.adminApi === "failed"
              ? " (the Admin API failed)"
              : "") +
          `, auto-resume ${c.autoResume ? "on" : "off"}`
        : "the heartbeat has not checked capture yet"),
  ];
  if (c.triggers.length > 0)
    lines.push(
      table(
        ["trigger", "state", "since", "last resume", "reconcile"],
        c.triggers.map((t) => [
          t.name,
          t.state,
          when(t.since instanceof Date ? t.since : null),
          t.lastResume
            ? `${when(t.lastResume.at)} ${t.lastResume.withToken ? "from token" : "without token"}${t.lastResume.ok ? "" : " FAILED"}`
            : "-",
          t.reconcile
            ? t.reconcile.insertedAt
              ? `signal ${String(t.reconcile.signalId)} at ${when(t.reconcile.insertedAt)}`
              : "owed (next heartbeat)"
            : "-",
        ]),
      ),
    );
  return lines;
}

function renderOutbox(o: DeploymentStatus["outbox"]): string[] {
  const lines = [
    `outbox: ${o.depth} waiting, ${o.permanent} too large (kept), oldest ${o.oldestEnqueuedAt ? `${when(o.oldestEnqueuedAt)} (${duration(o.oldestAgeMs)} old)` : "-"}`,
  ];
  if (o.topReasons.length > 0)
    lines.push(
      table(
        ["reason", "entries"],
        o.topReasons.map((r) => [r.reason, String(r.count)]),
      ),
    );
  return lines;
}

function renderDeadLetters(d: DeploymentStatus["deadLetters24h"]): string[] {
  const lines = [`dead letters, last 24 h: ${d.truncated ? "more than " : ""}${d.total}`];
  if (d.byReasonCode.length > 0)
    lines.push(
      table(
        ["reasonCode", "records"],
        d.byReasonCode.map((r) => [r.reasonCode, String(r.count)]),
      ),
    );
  return lines;
}

function renderSnapshots(snapshots: DeploymentStatus["snapshots"]): string[] {
  const lines = [`snapshots: ${snapshots.length}`];
  if (snapshots.length > 0)
    lines.push(
      table(
        ["signal", "status", "collections", "done", "of", "rate/s", "time left"],
        snapshots.map((s) => [
          s.id,
          s.kind === "reconcile" ? `${s.status} (reconcile)` : s.status,
          s.collections.join(","),
          String(s.documentsDone),
          s.documentsTotal === null ? "-" : String(s.documentsTotal),
          s.ratePerSecond === null ? "-" : s.ratePerSecond.toFixed(0),
          s.etaSeconds === null ? "-" : duration(s.etaSeconds * 1000),
        ]),
      ),
    );
  return lines;
}

function renderSweeps(sweeps: DeploymentStatus["sweeps"]): string[] {
  if (sweeps.length === 0) return [];
  return [
    "",
    "reconcile sweeps (webhook), latest first:",
    table(
      ["reconcile", "source", "target", "removed", "read position", "swept at"],
      sweeps.map((w) => [w.reconcile, w.ns, w.target, String(w.removed), w.readPosition, when(w.sweptAt)]),
    ),
  ];
}

/** Critical first, then warnings, each with its numbered steps. */
function renderFindings(findings: DeploymentStatus["findings"]): string {
  if (findings.length === 0) return "no findings";
  const order: Level[] = ["critical", "warning"];
  return [...findings]
    .sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level))
    .map((f) =>
      [
        `${f.level.toUpperCase().padEnd(8)} ${f.what}: ${f.detail}`,
        ...(f.steps || []).map((step, i) => `         ${i + 1}. ${step}`),
      ].join("\n"),
    )
    .join("\n");
}

function when(date: Date | null): string {
  return date ? date.toISOString() : "never";
}

function duration(ms: number | null): string {
  return ms === null ? "-" : formatDuration(ms);
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return `  (none)`;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join("  ")}`.trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
