package io.sextant.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * CPU time over the measured part of a run: of this generator, of the mesh (when its process id is
 * given) and of the whole machine. On cores shared with other work, the mesh's CPU time per request
 * is the figure that does not depend on what else ran: the cores divided by it bound the rate.
 */
final class CpuMeter {

    private final OptionalLong meshPid;

    CpuMeter(OptionalLong meshPid) {
        this.meshPid = meshPid;
    }

    Reading read() {
        return new Reading(System.nanoTime(), cpuNanos(ProcessHandle.current()),
                           meshPid.stream().mapToObj(ProcessHandle::of)
                                  .map(handle -> handle.map(CpuMeter::cpuNanos).orElse(-1L))
                                  .findFirst().orElse(-1L),
                           machineJiffies());
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** {busy, total} jiffies of all cores from the first line of /proc/stat, or {-1, -1}. */
    private static long[] machineJiffies() {
        try {
            final String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            final long[] values = Arrays.stream(fields, 1, fields.length).mapToLong(Long::parseLong).toArray();
            final long total = Arrays.stream(values).sum();
            final long idle = values[3] + (values.length > 4 ? values[4] : 0); // idle + iowait
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    record Reading(long wallNanos, long generatorNanos, long meshNanos, long[] machine) {

        /** What was used between {@code start} and this reading. */
        CpuUse since(Reading start) {
            final double wall = wallNanos - start.wallNanos;
            final double machineBusy = machine[1] - start.machine[1] <= 0 || machine[0] < 0 ? -1
                    : (double) (machine[0] - start.machine[0]) / (machine[1] - start.machine[1]);
            return new CpuUse(wall <= 0 || generatorNanos < 0 ? -1 : (generatorNanos - start.generatorNanos) / wall,
                              wall <= 0 || meshNanos < 0 || start.meshNanos < 0 ? -1
                                      : (meshNanos - start.meshNanos) / wall,
                              machineBusy);
        }
    }

    /**
     * Cores used on average (1.0 = one core busy the whole time), -1 where unknown.
     *
     * @param machineBusy the busy fraction of all the machine's cores together (0 to 1)
     */
    record CpuUse(double generatorCores, double meshCores, double machineBusy) {

        static final CpuUse UNKNOWN = new CpuUse(-1, -1, -1);

        /**
         * The mesh's CPU time per successful response, in microseconds; -1 if unknown. Per answer, not
         * per offered request: past saturation most offered requests are never served, and dividing by
         * them would make an overloaded mesh look cheap.
         */
        double meshMicrosPerResponse(double responsesPerSecond) {
            return meshCores < 0 || responsesPerSecond <= 0 ? -1 : meshCores / responsesPerSecond * 1e6;
        }
    }
}
