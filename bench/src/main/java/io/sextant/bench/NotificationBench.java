package io.sextant.bench;

import java.io.PrintStream;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The notification scenario: e-mails sent open loop at a fixed rate to two notification replicas
 * on one database, delivered to the bench's SMTP sink. Per rate of a ladder: accepted per second (and
 * refusals by code), in the mailbox per second, the time from the call to the mailbox, the time to
 * drain what was accepted, and the CPU per e-mail of each process. Between the rates the queue drains.
 */
final class NotificationBench {

    /** gRPC connections per replica; answers may take long when PostgreSQL is busy. */
    static final int CONNECTIONS_PER_REPLICA = 2;
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_OUTSTANDING = 20_000;
    /** A replica's SMTP connections: one per delivery worker (NOTIFICATION_WORKERS, 4 by default). */
    static final int SMTP_CONNECTIONS_PER_REPLICA = 4;
    /** How long the queue may take to drain after a step; a step that leaves more ends the ladder. */
    static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);
    /** The drain wait ends early when nothing arrives for this long. */
    static final Duration STALL_LIMIT = Duration.ofSeconds(20);

    /** The processes whose CPU the scenario reads (pids; -1 when unknown). */
    record Processes(long mesh, long replica, long postgres) {}

    /** CPU used by each process over a step, in nanoseconds (-1: unknown). */
    record Cpu(long mesh, long replica, long postgres, long bench, long wallNanos) {

        static Cpu read(Processes processes) {
            return new Cpu(ProcessStats.ownCpuNanos(processes.mesh()), ProcessStats.ownCpuNanos(processes.replica()),
                           ProcessStats.cpuNanos(processes.postgres()),
                           ProcessStats.ownCpuNanos(ProcessHandle.current().pid()), System.nanoTime());
        }

        Cpu since(Cpu start) {
            return new Cpu(delta(mesh, start.mesh), delta(replica, start.replica), delta(postgres, start.postgres),
                           delta(bench, start.bench), wallNanos - start.wallNanos);
        }

        private static long delta(long now, long then) {
            return now < 0 || then < 0 ? -1 : now - then;
        }

        /** Microseconds of a process's CPU per message; -1 when unknown. */
        static double perMessage(long nanos, long messages) {
            return nanos < 0 || messages <= 0 ? -1 : nanos / 1000.0 / messages;
        }

        /** Cores a process used on average over the step. */
        double cores(long nanos) {
            return nanos < 0 || wallNanos <= 0 ? -1 : (double) nanos / wallNanos;
        }
    }

    /**
     * One rate of the ladder.
     *
     * @param accept             the calls: accepted (OK) per second, refusals by code, the call's latency
     * @param measured           the measured part's e-mails: accepted, delivered, send to mailbox
     * @param inMailboxPerSecond messages in the mailbox per second while the load was offered (warm-up's included)
     * @param sustainedPerSecond the measured e-mails over the time from the start of the measured part until the
     *                           last of them was in the mailbox: the delivery rate the pipeline kept up
     * @param drainMillis        from the last send until the last accepted e-mail was in the mailbox; -1 if not all
     *                           were within the drain limit
     * @param undelivered        accepted (the whole step) but not in the mailbox at the end
     * @param duplicates         in the mailbox more than once
     * @param statuses           the notifications table by status after the step (all steps so far)
     * @param cpu                CPU per process over the whole step (warm-up and drain included)
     * @param messages           e-mails in the mailbox over the whole step, the divisor of the CPU per e-mail
     * @param queuedAtStart      notifications waiting for delivery when the step began (-1: unknown)
     */
    record Step(double rate, long queuedAtStart, RunResult accept, Deliveries.Summary measured, double inMailboxPerSecond,
                double sustainedPerSecond, double drainMillis, long undelivered, long duplicates,
                Map<String, Long> statuses, long retried, Cpu cpu, long messages) {}

    /** Everything the section measured. */
    record Result(List<Step> steps, SmtpReference.Result reference, String replicaCommand, String stopped,
                  Duration warmup, Duration duration) {}

    private final List<URI> replicas;
    private final MailSink sink;
    private final Processes processes;
    private final Supplier<String> token;
    private final OptionalLong postgresPort;
    private final PrintStream log;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    NotificationBench(List<URI> replicas, MailSink sink, Processes processes, Supplier<String> token,
                      OptionalLong postgresPort, PrintStream log) {
        this.replicas = List.copyOf(replicas);
        this.sink = sink;
        this.processes = processes;
        this.token = token;
        this.postgresPort = postgresPort;
        this.log = log;
    }

    /** The reference, then the rates in turn; stops early when a step's queue does not drain. */
    Result run(List<Double> rates, Duration warmup, Duration duration, String replicaCommand) throws InterruptedException {
        log.println("notification: SMTP reference, Angus Mail straight to the sink, "
                    + replicas.size() * SMTP_CONNECTIONS_PER_REPLICA + " connections for "
                    + Format.duration(duration));
        final SmtpReference.Result reference = SmtpReference.run(sink, replicas.size()
                                                                       * SMTP_CONNECTIONS_PER_REPLICA,
                                                                 duration);
        log.printf("  reference: %s messages/s, p50 %s ms, p99 %s ms, bench CPU %s µs/message, errors %s%n",
                   Format.perSecond(reference.messagesPerSecond()), Format.millis(reference.p50Millis()),
                   Format.millis(reference.p99Millis()), Format.micros(reference.benchMicros()), reference.errors());
        final List<Step> steps = new ArrayList<>();
        String stopped = "";
        for (int i = 0; i < rates.size(); i++) {
            final Step step = step(i, rates.get(i), warmup, duration);
            steps.add(step);
            if (step.drainMillis() < 0) {
                stopped = "after " + Format.rate(step.rate()) + "/s: " + step.undelivered()
                          + " accepted e-mails were not delivered within " + Format.duration(DRAIN_LIMIT)
                          + " of the last send, so a higher rate would only measure that backlog";
                log.println("  stops " + stopped);
                break;
            }
        }
        return new Result(steps, reference, replicaCommand, stopped, warmup, duration);
    }

    private Step step(int index, double rate, Duration warmup, Duration duration) throws InterruptedException {
        final Load load = new Load(rate, warmup, duration, CONNECTIONS_PER_REPLICA, 2, MAX_OUTSTANDING, TIMEOUT);
        final Schedule schedule = load.schedule();
        final Deliveries deliveries = new Deliveries(Math.toIntExact(schedule.total()));
        final String prefix = "sextant-bench-" + runId + "-" + index + " ";
        final String accessToken = token.get();
        log.printf("notification at %s/s: %s warm-up, %s measured, to %d replicas%n", Format.rate(rate),
                   Format.duration(warmup), Format.duration(duration), replicas.size());
        final long queuedAtStart = queued();
        sink.listen(prefix, deliveries);
        final Cpu before = Cpu.read(processes);
        final CpuMeter meshCpu = new CpuMeter(processes.mesh() < 0 ? OptionalLong.empty() : OptionalLong.of(processes.mesh()));
        final RunResult accept;
        try (Connections connections = new Connections(CONNECTIONS_PER_REPLICA, 2)) {
            final NotificationScenario scenario = new NotificationScenario(connections, replicas, TIMEOUT, accessToken,
                                                                           prefix, deliveries);
            accept = new OpenLoop(schedule, MAX_OUTSTANDING, TIMEOUT, meshCpu).run("notification", scenario);
        }
        final int firstMeasured = firstMeasured(schedule);
        final long windowStart = deliveries.sentAt(0) + warmup.toNanos();
        final long windowEnd = windowStart + duration.toNanos();
        // the queue drains: wait until every accepted e-mail is in the mailbox, or nothing arrives any more
        final long drainDeadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        while (deliveries.receivedCount() < deliveries.acceptedCount() && System.nanoTime() < drainDeadline
               && System.nanoTime() - latest(deliveries.lastReceivedNanos(), windowEnd) < STALL_LIMIT.toNanos()) {
            Mesh.sleep(Duration.ofMillis(100));
        }
        final Cpu used = Cpu.read(processes).since(before);
        sink.forget(prefix);
        final long undelivered = Math.max(0, deliveries.acceptedCount() - deliveries.receivedCount());
        final Deliveries.Summary measured = deliveries.summary(firstMeasured, deliveries.capacity());
        final double inMailbox = deliveries.receivedBetween(windowStart, windowEnd) / (duration.toNanos() / 1e9);
        final long lastMeasured = deliveries.lastReceivedAmong(firstMeasured, deliveries.capacity());
        final double sustained = lastMeasured == Deliveries.NONE ? 0
                : measured.delivered() / ((latest(lastMeasured, windowEnd) - windowStart) / 1e9);
        final long lastReceived = deliveries.lastReceivedNanos();
        final double drain = undelivered > 0 ? -1
                : lastReceived == Deliveries.NONE ? 0 : Math.max(0, (lastReceived - windowEnd) / 1e6);
        final Map<String, Long> statuses = new TreeMap<>();
        final long retried = statuses(statuses);
        final Step step = new Step(rate, queuedAtStart, accept, measured, inMailbox, sustained, drain, undelivered,
                                   deliveries.duplicates(), statuses, retried, used, deliveries.receivedCount());
        log.printf("  accepted %s/s (errors %s), in the mailbox %s/s while offered, sustained %s/s, send to mailbox "
                   + "p50 %s ms p99 %s ms max %s ms, drained in %s, undelivered %d, duplicates %d, statuses %s%n",
                   Format.perSecond(accept.throughput()), Report.errors(accept), Format.perSecond(inMailbox),
                   Format.perSecond(sustained), Format.millis(measured.percentileMillis(50)),
                   Format.millis(measured.percentileMillis(99)), Format.millis(measured.maxMillis()),
                   drain < 0 ? "not within " + Format.duration(DRAIN_LIMIT) : Format.millis(drain) + " ms",
                   undelivered, deliveries.duplicates(), statuses);
        log.printf("  CPU µs per e-mail: mesh %s, replica 2 %s, PostgreSQL %s, bench %s (cores: %s, %s, %s, %s)%n",
                   Format.micros(Cpu.perMessage(used.mesh(), step.messages())),
                   Format.micros(Cpu.perMessage(used.replica(), step.messages())),
                   Format.micros(Cpu.perMessage(used.postgres(), step.messages())),
                   Format.micros(Cpu.perMessage(used.bench(), step.messages())), Format.cores(used.cores(used.mesh())),
                   Format.cores(used.cores(used.replica())), Format.cores(used.cores(used.postgres())),
                   Format.cores(used.cores(used.bench())));
        return step;
    }

    /** The later of two System.nanoTime values ({@link Deliveries#NONE} is earlier than any). */
    private static long latest(long a, long b) {
        if (a == Deliveries.NONE) {
            return b;
        }
        return a - b >= 0 ? a : b;
    }

    private static int firstMeasured(Schedule schedule) {
        final long total = schedule.total();
        for (long i = 0; i < total; i++) {
            if (schedule.isMeasured(i)) {
                return Math.toIntExact(i);
            }
        }
        return Math.toIntExact(total);
    }

    /** Notifications waiting for delivery (in the queue), -1 when the database cannot be read. */
    private long queued() {
        if (postgresPort.isEmpty()) {
            return -1;
        }
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgresPort.getAsLong()
                                                        + "/sextant_notification", "postgres", "");
             Statement query = db.createStatement();
             ResultSet rows = query.executeQuery("SELECT count(*) FROM notifications WHERE next_attempt_at IS NOT NULL")) {
            return rows.next() ? rows.getLong(1) : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    /**
     * The notifications table by status, read from the database; the notifications delivered on a second
     * attempt or later are returned (a retry: an SMTP failure, a lost lease), -1 when the database cannot be read.
     */
    private long statuses(Map<String, Long> into) {
        if (postgresPort.isEmpty()) {
            return -1;
        }
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgresPort.getAsLong()
                                                        + "/sextant_notification", "postgres", "");
             Statement query = db.createStatement()) {
            try (ResultSet rows = query.executeQuery("SELECT status, count(*) FROM notifications GROUP BY status")) {
                while (rows.next()) {
                    into.put(rows.getString(1), rows.getLong(2));
                }
            }
            try (ResultSet rows = query.executeQuery("SELECT count(*) FROM notifications WHERE attempts > 1")) {
                return rows.next() ? rows.getLong(1) : -1;
            }
        } catch (SQLException e) {
            log.println("  cannot read the notifications table: " + e.getMessage());
            return -1;
        }
    }
}
