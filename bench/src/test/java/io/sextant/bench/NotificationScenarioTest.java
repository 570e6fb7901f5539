package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/** The notification section's parts, without load: the SMTP sink on loopback, the matching, the report. */
class NotificationScenarioTest {

    @Test
    void theSinkMatchesEachMessageToItsSendAndCountsWhatArrivesTwiceOrUnasked() throws Exception {
        try (MailSink sink = MailSink.start(0)) {
            final Deliveries deliveries = new Deliveries(3);
            sink.listen("bench-x ", deliveries);
            for (int i = 0; i < 3; i++) {
                deliveries.sent(i, System.nanoTime());
            }
            deliveries.accepted(0);
            deliveries.accepted(1);

            send(sink.port(), "bench-x 0", "bench-x 1", "bench-x 1", "bench-x 7", "someone else's 2");

            assertThat(deliveries.receivedCount()).isEqualTo(2);
            assertThat(deliveries.duplicates()).isEqualTo(1);
            assertThat(deliveries.strangers()).isEqualTo(1);
            assertThat(sink.unmatched()).isEqualTo(1);
            assertThat(sink.received()).isEqualTo(5);
            final Deliveries.Summary summary = deliveries.summary(0, 3);
            assertThat(summary.accepted()).isEqualTo(2);
            assertThat(summary.delivered()).isEqualTo(2);
            assertThat(summary.latencies().getTotalCount()).isEqualTo(2);
            assertThat(summary.percentileMillis(99)).isPositive();
            assertThat(deliveries.lastReceivedAmong(0, 3)).isEqualTo(deliveries.lastReceivedNanos());
            assertThat(deliveries.receivedBetween(deliveries.sentAt(0), System.nanoTime() + 1)).isEqualTo(2);
            assertThat(new Deliveries(1).lastReceivedNanos()).isEqualTo(Deliveries.NONE);
        }
    }

    @Test
    void theStandaloneCommandWantsTheSendersPasswordBeforeTouchingTheNetwork() {
        assertThat(BenchMain.commandLine().execute("notification", "--password-env", "SEXTANT_BENCH_NO_SUCH_VARIABLE"))
                .isEqualTo(2);
        assertThat(BenchMain.commandLine().execute("notification", "--rates", "fast")).isEqualTo(2);
    }

    @Test
    void eachRequestCarriesItsSequenceNumberInTheSubject() {
        assertThat(NotificationScenario.request("sextant-bench-a-0 ", 42).getNotification().getSubject())
                .isEqualTo("sextant-bench-a-0 42");
    }

    @Test
    void aFullQueueIsToldApartFromOtherRefusalsByItsReason() {
        assertThat(NotificationScenario.outcome(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.RESOURCE_EXHAUSTED.getNumber()).setMessage("the delivery queue is full")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("QUEUE_FULL").setDomain("notification.sextant.io")
                                              .build()))
                .build())).error()).isEqualTo(NotificationScenario.QUEUE_FULL);
        assertThat(NotificationScenario.outcome(Status.RESOURCE_EXHAUSTED.withDescription("too many sends")
                                                                         .asRuntimeException()).error())
                .isEqualTo("grpc RESOURCE_EXHAUSTED");
        assertThat(NotificationScenario.outcome(Status.UNAVAILABLE.asRuntimeException()).error())
                .isEqualTo("grpc UNAVAILABLE");
    }

    @Test
    void theSecondReplicaSharesTheMeshsDatabaseSmtpServerAndAuth() {
        final Map<String, String> settings = NotificationReplica.settings(20000, 20030, 41234, 20025);

        assertThat(settings).containsEntry("PORT", "20030").containsEntry("AUTH_TARGET", "127.0.0.1:20001")
                            .containsEntry("USERS_TARGET", "127.0.0.1:20002")
                            .containsEntry("DB_URL", "jdbc:postgresql://127.0.0.1:41234/sextant_notification")
                            .containsEntry("SMTP_PORT", "20025").containsEntry("SMTP_TLS", "none");
        assertThat(NotificationReplica.shellCommand(List.of("-Xmx256m"), settings))
                .contains("SMTP_FROM='Sextant <no-reply@sextant.local>'", "METRICS_PORT='' ",
                          "java -Xmx256m -cp local/target/sextant-local-*-all.jar io.sextant.notification.NotificationMain");
    }

    @Test
    void theNotificationPartHasItsOwnMarkersAndLeavesTheOtherFiguresAlone() {
        final String both = ReportFile.update(ReportFile.update("", "gateway figures"), "notification 1",
                                              ReportFile.NOTIFICATION_BEGIN, ReportFile.NOTIFICATION_END);

        final String again = ReportFile.update(both, "notification 2", ReportFile.NOTIFICATION_BEGIN,
                                               ReportFile.NOTIFICATION_END);
        final String gatewayAgain = ReportFile.update(again, "gateway figures 2");

        assertThat(again).contains(ReportFile.BEGIN + "\ngateway figures\n" + ReportFile.END)
                         .contains(ReportFile.NOTIFICATION_BEGIN + "\nnotification 2\n" + ReportFile.NOTIFICATION_END)
                         .doesNotContain("notification 1");
        assertThat(gatewayAgain).contains("gateway figures 2", "notification 2").doesNotContain("gateway figures\n");
    }

    @Test
    void theTargetsAreJudgedOnTheBestStepAgainstTheSinksOwnRate() {
        final Findings findings = new Findings();
        findings.started = Instant.parse("2026-12-02T05:00:00Z");
        findings.meshCommand = "SEXTANT_PORT=20000 java -jar local/target/sextant-local-*-all.jar";
        findings.notification = new NotificationBench.Result(
                List.of(step(500, 500, 0, 480, 0), step(1000, 1010, 0, 450, 0), step(1500, 1200, 300, 440, 12)),
                new SmtpReference.Result(8, Duration.ofSeconds(20), 60_000, 3_000, 2, 5, 150, "0"),
                "PORT=20030 java -cp local/target/sextant-local-*-all.jar io.sextant.notification.NotificationMain", "",
                Duration.ofSeconds(5), Duration.ofSeconds(20));

        final String markdown = new NotificationReport(new Machine(2, "AMD EPYC", "23.5 GiB", "Debian", "OpenJDK 17"),
                                                       findings, "bench/run --only notification").markdown();

        // 1,010/s accepted at 1,000/s offered (the 1,500 step had errors); 480/s delivered at best: missed
        assertThat(markdown).contains("| 1,010/s (offered 1000/s) | — | ≥ 1,000/s | met |",
                                      "| 480/s (offered 500/s) | SMTP sink from a plain Angus Mail client, 8 connections: "
                                      + "3,000 messages/s | ≥ 500/s | **missed** |",
                                      "300 (grpc RESOURCE_EXHAUSTED (QUEUE_FULL): 300)",
                                      "io.sextant.notification.NotificationMain",
                                      "bench/run --only notification");
    }

    private static NotificationBench.Step step(double rate, long acceptedPerSecond, long queueFull, double sustained,
                                               long undelivered) {
        final Histogram latencies = new Histogram(Measurement.HIGHEST_NANOS, 3);
        latencies.recordValueWithCount(3_000_000, acceptedPerSecond * 20);
        final Map<String, Long> errors = queueFull == 0 ? Map.of() : Map.of(NotificationScenario.QUEUE_FULL, queueFull);
        final RunResult accept = new RunResult("notification", rate, Duration.ofSeconds(20),
                                               acceptedPerSecond * 20 + queueFull, acceptedPerSecond * 20, errors,
                                               latencies, 0.1, "1.00", new CpuMeter.CpuUse(0.5, 0.8, 0.9));
        final Histogram toMailbox = new Histogram(Measurement.HIGHEST_NANOS, 3);
        toMailbox.recordValueWithCount(40_000_000, acceptedPerSecond * 20);
        return new NotificationBench.Step(rate, 0, accept, new Deliveries.Summary(acceptedPerSecond * 20,
                                                                               acceptedPerSecond * 20, 0, toMailbox),
                                          sustained, sustained, undelivered > 0 ? -1 : 2_000, undelivered, 0,
                                          Map.of("SENT", acceptedPerSecond * 20), 0,
                                          new NotificationBench.Cpu(1_000_000_000L, 1_000_000_000L, 500_000_000L,
                                                                    500_000_000L, 30_000_000_000L),
                                          acceptedPerSecond * 20);
    }

    private static void send(int port, String... subjects) throws Exception {
        final Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", Integer.toString(port));
        final Session session = Session.getInstance(props);
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect();
            for (String subject : subjects) {
                final MimeMessage mime = new MimeMessage(session);
                mime.setFrom(new InternetAddress("no-reply@sextant.local"));
                mime.setRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress("inbox@bench.example.com"));
                mime.setSubject(subject);
                mime.setText("x", "UTF-8");
                transport.sendMessage(mime, mime.getAllRecipients());
            }
        }
    }
}
