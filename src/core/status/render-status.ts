import type { DeploymentStatus, Level } from "./deployment-status";

/** Exit codes of `npm run status`, as monitoring plugins read them; 3 is "could not check". */
export const EXIT_CODE: Readonly<Record<Level, number>> = { ok: 0, warning: 1, critical: 2 };
export const EXIT_UNKNOWN = 3;

/** The status as a readable report: one table per part, then the findings, worst first. */
export function renderStatus(status: DeploymentStatus): string {
  const out: string[] = [];
  const when = (d: Date | null) => (d ? d.toISOString() : "never");
  const dur = (ms: number | null) =>
    ms === null
      ? "-"
      : ms < 60_000
        ? `${Math.round(ms / 1000)} s`
        : ms < 3600_000
          ? `${(ms / 60_000).toFixed(1)} min`
          : `${(ms / 3600_000).toFixed(1)} h`;
  out.push(`atlas-kinesis-bridge status at ${status.checkedAt.toISOString()}: ${status.level.toUpperCase()}`, "");
  out.push(
    table(
      ["app", "last heartbeat", "age", "outbox then", "webhook saw it", "end-to-end lag"],
      status.apps.map((a) => [
        a.app,
        when(a.lastHeartbeatAt),
        dur(a.heartbeatAgeMs),
        a.outboxDepthAtHeartbeat === null ? "-" : String(a.outboxDepthAtHeartbeat),
        when(a.webhookReceivedAt),
        dur(a.endToEndLagMs),
      ]),
    ),
  );
  out.push("");
  for (const c of status.capture) {
    out.push(
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
    );
    if (c.triggers.length > 0)
      out.push(
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
    out.push("");
  }
  const o = status.outbox;
  out.push(
    `outbox: ${o.depth} waiting, ${o.permanent} too large (kept), oldest ${o.oldestEnqueuedAt ? `${when(o.oldestEnqueuedAt)} (${dur(o.oldestAgeMs)} old)` : "-"}`,
  );
  if (o.topReasons.length > 0)
    out.push(
      table(
        ["reason", "entries"],
        o.topReasons.map((r) => [r.reason, String(r.count)]),
      ),
    );
  out.push("");
  const d = status.deadLetters24h;
  out.push(`dead letters, last 24 h: ${d.truncated ? "more than " : ""}${d.total}`);
  if (d.byReasonCode.length > 0)
    out.push(
      table(
        ["reasonCode", "records"],
        d.byReasonCode.map((r) => [r.reasonCode, String(r.count)]),
      ),
    );
  out.push("");
  out.push(`snapshots: ${status.snapshots.length}`);
  if (status.snapshots.length > 0) {
    out.push(
      table(
        ["signal", "status", "collections", "done", "of", "rate/s", "time left"],
        status.snapshots.map((s) => [
          s.id,
          s.kind === "reconcile" ? `${s.status} (reconcile)` : s.status,
          s.collections.join(","),
          String(s.documentsDone),
          s.documentsTotal === null ? "-" : String(s.documentsTotal),
          s.ratePerSecond === null ? "-" : s.ratePerSecond.toFixed(0),
          s.etaSeconds === null ? "-" : dur(s.etaSeconds * 1000),
        ]),
      ),
    );
  }
  if (status.sweeps.length > 0) {
    out.push("", "reconcile sweeps (webhook), latest first:");
    out.push(
      table(
        ["reconcile", "source", "target", "removed", "read position", "swept at"],
        status.sweeps.map((w) => [w.reconcile, w.ns, w.target, String(w.removed), w.readPosition, when(w.sweptAt)]),
      ),
    );
  }
  out.push("");
  const order: Level[] = ["critical", "warning"];
  const findings = [...status.findings].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
  out.push(
    findings.length === 0
      ? "no findings"
      : findings
          .map((f) =>
            [
              `${f.level.toUpperCase().padEnd(8)} ${f.what}: ${f.detail}`,
              ...(f.steps || []).map((step, i) => `         ${i + 1}. ${step}`),
            ].join("\n"),
          )
          .join("\n"),
  );
  return out.join("\n");
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return `  (none)`;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join("  ")}`.trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
