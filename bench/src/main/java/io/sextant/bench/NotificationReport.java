package io.sextant.bench;

import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The notification part of REPORT.md (its own markers): issue 11's targets next to the SMTP sink's
 * own rate measured in the same run, the ladder of rates and the commands.
 */
record NotificationReport(Machine machine, Findings findings, String reportCommand) {

    static final double TARGET_ACCEPTED = 1_000;
    static final double TARGET_DELIVERED = 500;
    /** A step counts for the accepted rate when at most this share of its calls failed. */
    static final double MAX_ERROR_RATIO = 0.001;

    String markdown() {
        final StringBuilder out = new StringBuilder();
        out.append("Measured ").append(findings.started.truncatedTo(ChronoUnit.SECONDS)).append(" by one command:\n\n```sh\n")
           .append(reportCommand).append("\n```\n\n")
           .append("Machine: ").append(machine.cores()).append(" cores (").append(machine.cpu()).append("), ")
           .append(machine.java()).append("; 1-minute load average ").append(findings.loadAtStart).append(" at the start, ")
           .append(findings.loadAtEnd).append(" at the end. The mesh, the second replica, PostgreSQL, the generator and "
                                              + "the SMTP sink share these cores.\n\n");
        final NotificationBench.Result result = findings.notification;
        out.append("## Notification: e-mails through two replicas to an SMTP server\n\n");
        if (result == null) {
            out.append("Not measured").append(problems()).append(".\n");
            return out.toString();
        }
        targets(out, result);
        ladder(out, result);
        commands(out, result);
        final String problems = problems();
        if (!problems.isEmpty()) {
            out.append("What could not be measured").append(problems).append(".\n");
        }
        return out.toString();
    }

    /** The step whose accepted rate counts: the highest among those whose calls (nearly) all succeeded. */
    static Optional<NotificationBench.Step> bestAccepted(List<NotificationBench.Step> steps) {
        return steps.stream().filter(s -> s.accept().errorRatio() <= MAX_ERROR_RATIO)
                    .max(Comparator.comparingDouble(s -> s.accept().throughput()));
    }

    /** The step with the highest sustained delivery rate. */
    static Optional<NotificationBench.Step> bestDelivered(List<NotificationBench.Step> steps) {
        return steps.stream().max(Comparator.comparingDouble(NotificationBench.Step::sustainedPerSecond));
    }

    private static void targets(StringBuilder out, NotificationBench.Result result) {
        final SmtpReference.Result reference = result.reference();
        final String sink = "SMTP sink from a plain Angus Mail client, " + reference.connections() + " connections: "
                            + Format.perSecond(reference.messagesPerSecond()) + " messages/s";
        final Optional<NotificationBench.Step> accepted = bestAccepted(result.steps());
        final Optional<NotificationBench.Step> delivered = bestDelivered(result.steps());
        out.append("Issue 11's targets, next to the SMTP server's own rate measured in the same run.\n\n")
           .append("| what | Sextant | reference, same run | target | verdict |\n|---|---|---|---|---|\n")
           .append("| e-mails accepted per second (`SendNotification` answered OK; the highest step with ≤ 0.1 % errors) | ")
           .append(accepted.map(s -> Format.perSecond(s.accept().throughput()) + "/s (offered "
                                     + Format.rate(s.rate()) + "/s)").orElse("no step without errors"))
           .append(" | — | ≥ ").append(Format.perSecond(TARGET_ACCEPTED)).append("/s | ")
           .append(accepted.map(s -> s.accept().throughput() >= TARGET_ACCEPTED ? Report.MET : Report.MISSED)
                           .orElse(Report.MISSED)).append(" |\n")
           .append("| e-mails delivered per second, sustained (the measured e-mails over the time until the last of them "
                   + "was in the mailbox) | ")
           .append(delivered.map(s -> Format.perSecond(s.sustainedPerSecond()) + "/s (offered " + Format.rate(s.rate())
                                      + "/s)").orElse(Report.NOT_MEASURED))
           .append(" | ").append(sink).append(" | ≥ ").append(Format.perSecond(TARGET_DELIVERED)).append("/s | ")
           .append(delivered.map(s -> s.sustainedPerSecond() >= TARGET_DELIVERED && s.undelivered() == 0
                                      && s.duplicates() == 0 ? Report.MET : Report.MISSED).orElse(Report.MISSED))
           .append(" |\n");
        for (NotificationBench.Step step : result.steps()) {
            out.append("| `SendNotification` → in the mailbox at ").append(Format.rate(step.rate())).append("/s offered | p50 ")
               .append(Format.millis(step.measured().percentileMillis(50))).append(" ms, p99 ")
               .append(Format.millis(step.measured().percentileMillis(99))).append(" ms | SMTP send alone: p50 ")
               .append(Format.millis(reference.p50Millis())).append(" ms, p99 ").append(Format.millis(reference.p99Millis()))
               .append(" ms | (reported) | — |\n");
        }
        out.append('\n');
    }

    private static void ladder(StringBuilder out, NotificationBench.Result result) {
        out.append("### The ladder\n\n")
           .append("Each rate: open loop from one sending thread (each call's time fixed in advance, whatever the "
                   + "answers do), ").append(Format.duration(result.warmup())).append(" of warm-up (sent, not counted) then ")
           .append(Format.duration(result.duration())).append(" measured, the calls alternating between the two replicas ("
                   + NotificationBench.CONNECTIONS_PER_REPLICA + " HTTP/2 connections to each, client timeout "
                   + Format.duration(NotificationBench.TIMEOUT) + "); then the bench waits until every accepted e-mail is in "
                   + "the mailbox (at most " + Format.duration(NotificationBench.DRAIN_LIMIT) + ") before the next rate. "
                   + "*Queued at start* is the queue's depth (PostgreSQL) as the step began. *Accepted* are calls answered "
                   + "OK; *errors* by gRPC code and `ErrorInfo` reason (`RESOURCE_EXHAUSTED (QUEUE_FULL)` is the queue "
                   + "bound; `UNAVAILABLE (SERVER_OVERLOADED)` a call shed at once by the service's bound on calls in "
                   + "flight, SERVER_CONCURRENCY_*). *Call* is the latency of the answer. *In the mailbox/s* counts the messages "
                   + "that arrived while the load was offered (the measured part's seconds); *sustained* is the measured "
                   + "e-mails divided by the time from the start of the measured part until the last of them arrived. "
                   + "*Send → mailbox* is from the start of the call to GreenMail's storing the message (after DATA, "
                   + "before it answers 250), over the measured e-mails. *Drain* is the time from the last send until the "
                   + "last accepted e-mail arrived. *Retried* counts the notifications (all steps so far) that needed more "
                   + "than one attempt. CPU is per e-mail in the mailbox over the whole step (warm-up and drain included): "
                   + "the mesh JVM (which holds replica 1, and the idle gateway and services), replica 2's JVM, PostgreSQL "
                   + "(postmaster and its backends), and the bench's JVM (generator and SMTP sink together); cores are "
                   + "their average use over the step.\n\n")
           .append("| offered/s | queued at start | accepted/s | errors | call p50 ms | call p99 ms | in the mailbox/s | sustained/s | "
                   + "send → mailbox p50 ms | p99 ms | max ms | drain | undelivered | duplicates | retried | "
                   + "CPU µs/e-mail: mesh | replica 2 | PostgreSQL | bench | cores: mesh / replica 2 / PostgreSQL / bench |\n")
           .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (NotificationBench.Step s : result.steps()) {
            final NotificationBench.Cpu cpu = s.cpu();
            out.append("| ").append(Format.rate(s.rate())).append(" | ")
               .append(s.queuedAtStart() < 0 ? "n/a" : Long.toString(s.queuedAtStart())).append(" | ")
               .append(Format.perSecond(s.accept().throughput()))
               .append(" | ").append(Report.errors(s.accept())).append(" | ")
               .append(Format.millis(s.accept().percentileMillis(50))).append(" | ")
               .append(Format.millis(s.accept().percentileMillis(99))).append(" | ")
               .append(Format.perSecond(s.inMailboxPerSecond())).append(" | ").append(Format.perSecond(s.sustainedPerSecond()))
               .append(" | ").append(Format.millis(s.measured().percentileMillis(50))).append(" | ")
               .append(Format.millis(s.measured().percentileMillis(99))).append(" | ")
               .append(Format.millis(s.measured().maxMillis())).append(" | ")
               .append(s.drainMillis() < 0 ? "not within " + Format.duration(NotificationBench.DRAIN_LIMIT)
                                           : String.format(Locale.ROOT, "%.1f s", s.drainMillis() / 1000))
               .append(" | ").append(s.undelivered()).append(" | ").append(s.duplicates()).append(" | ")
               .append(s.retried() < 0 ? "n/a" : Long.toString(s.retried())).append(" | ")
               .append(Format.micros(NotificationBench.Cpu.perMessage(cpu.mesh(), s.messages()))).append(" | ")
               .append(Format.micros(NotificationBench.Cpu.perMessage(cpu.replica(), s.messages()))).append(" | ")
               .append(Format.micros(NotificationBench.Cpu.perMessage(cpu.postgres(), s.messages()))).append(" | ")
               .append(Format.micros(NotificationBench.Cpu.perMessage(cpu.bench(), s.messages()))).append(" | ")
               .append(Format.cores(cpu.cores(cpu.mesh()))).append(" / ").append(Format.cores(cpu.cores(cpu.replica())))
               .append(" / ").append(Format.cores(cpu.cores(cpu.postgres()))).append(" / ")
               .append(Format.cores(cpu.cores(cpu.bench()))).append(" |\n");
        }
        if (!result.stopped().isEmpty()) {
            out.append("\nThe ladder stopped ").append(result.stopped()).append(".\n");
        }
        final SmtpReference.Result r = result.reference();
        out.append("\n**Reference, same run**: a plain Angus Mail client in the bench's JVM, ").append(r.connections())
           .append(" kept-open connections (the two replicas' SMTP connections together), closed loop for ")
           .append(Format.duration(r.duration())).append(", the same recipient and body: **")
           .append(Format.perSecond(r.messagesPerSecond())).append(" messages/s** into the same sink (").append(r.messages())
           .append(" messages), p50 ").append(Format.millis(r.p50Millis())).append(" ms, p99 ")
           .append(Format.millis(r.p99Millis())).append(" ms per message, ").append(Format.micros(r.benchMicros()))
           .append(" µs of the bench's CPU per message (client and sink), errors: ").append(r.errors()).append(".\n");
        final NotificationBench.Step last = result.steps().isEmpty() ? null : result.steps().get(result.steps().size() - 1);
        if (last != null && !last.statuses().isEmpty()) {
            out.append("\nThe notifications table at the end: ").append(last.statuses().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append(".\n");
        }
        out.append('\n');
    }

    private void commands(StringBuilder out, NotificationBench.Result result) {
        out.append("### Commands\n\n")
           .append("The mesh, as `report` starts it (the JVM flags read from the `sextant` script; SMTP_* point the mesh's "
                   + "notification service at the bench's SMTP sink instead of its own mail catcher), and the second "
                   + "replica beside it, on the mesh's notification database:\n\n```sh\n")
           .append(findings.meshCommand).append('\n').append(result.replicaCommand()).append("\n```\n\n")
           .append("The load is the `notification` section of `report` (`NotificationBench`): the bootstrap administrator "
                   + "(`admin`, whose role holds `*` and so `notifications.send`) logs in once per rate; each call is a "
                   + "`SendNotificationRequest` with `channel: CHANNEL_EMAIL`, `recipient: \"")
           .append(NotificationScenario.RECIPIENT).append("\"`, a literal `body` of ")
           .append(NotificationScenario.BODY.length()).append(" characters and the subject `sextant-bench-<run>-<step> <n>`, "
                   + "which the sink matches to its send. The gateway's rate limits are off (`RATE_LIMIT_*=off`, as for "
                   + "every section), and the calls go to the replicas' own ports, not through the gateway.\n\n");
    }

    private String problems() {
        final List<String> mine = findings.problems.stream().filter(p -> p.startsWith("notification")).toList();
        return mine.isEmpty() ? "" : ": " + String.join("; ", mine);
    }
}
