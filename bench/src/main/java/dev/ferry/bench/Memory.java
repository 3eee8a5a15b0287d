package dev.ferry.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * What a benchmark JVM used, measured in that JVM:
 * <ul>
 *   <li><b>live heap peak</b> — the most heap still in use right after a full collection: what the
 *       process really had to hold at once. This is the figure that must stay flat as rows grow. Full
 *       collections are rare on their own, so {@link #sampleLiveHeap()} forces one every second (which
 *       slows the process: only the memory rounds do it); without it the figure is 0;</li>
 *   <li><b>heap peak</b> — the most heap in use at any moment, garbage included (depends on how
 *       lazily the collector ran, so it says less);</li>
 *   <li><b>RSS peak</b> — the kernel's high-water mark of resident memory (VmHWM);</li>
 *   <li><b>CPU seconds</b> — processor time the JVM used since {@link #reset()}, all threads.</li>
 * </ul>
 */
final class Memory {

    private final AtomicLong livePeak = new AtomicLong();
    private volatile long cpuAtReset;
    private final java.util.Map<Long, Long> threadCpuAtReset = new java.util.concurrent.ConcurrentHashMap<>();
    /** The JVM's own threads' CPU at {@link #reset()} (nanoseconds by thread id), which no Java thread accounts for. */
    private volatile Map<Integer, Long> jvmThreadCpuAtReset = Map.of();
    /** The kernel's clock ticks a second, in which /proc counts a thread's CPU time (USER_HZ: 100 on Linux). */
    private static final long TICKS_PER_SECOND = 100;

    /** Starts watching collections; call first thing in the JVM. */
    static Memory watch() {
        Memory memory = new Memory();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                if (!info.getGcAction().contains("major")) {
                    // After a young collection the old generation still holds garbage: not the live set.
                    return;
                }
                long used = 0;
                for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (isHeap(pool.getKey())) {
                        used += pool.getValue().getUsed();
                    }
                }
                long u = used;
                memory.livePeak.accumulateAndGet(u, Math::max);
            }, null, null);
        }
        return memory;
    }

    private static boolean isHeap(String pool) {
        for (MemoryPoolMXBean bean : ManagementFactory.getMemoryPoolMXBeans()) {
            if (bean.getName().equals(pool)) {
                return bean.getType() == MemoryType.HEAP;
            }
        }
        return false;
    }

    /** Forces a full collection every second, so that the live heap peak is measured. */
    void sampleLiveHeap() {
        Thread sampler = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                System.gc();
            }
        }, "bench-live-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Forgets what start-up used, so a figure covers one run only. */
    void reset() {
        System.gc();
        cpuAtReset = cpuNanos();
        threadCpuAtReset.clear();
        var threads = ManagementFactory.getThreadMXBean();
        for (long id : threads.getAllThreadIds()) {
            threadCpuAtReset.put(id, Math.max(0, threads.getThreadCpuTime(id)));
        }
        jvmThreadCpuAtReset = jvmThreadCpu();
        livePeak.set(0);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** {"liveHeapPeakMb":..,"heapPeakMb":..,"rssPeakMb":..,"cpuSeconds":..}, after one more collection. */
    String json() {
        long cpu = cpuNanos();
        System.gc();
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        return String.format(java.util.Locale.ROOT,
                "{\"liveHeapPeakMb\":%.1f,\"heapPeakMb\":%.1f,\"rssPeakMb\":%.1f,\"cpuSeconds\":%.2f}",
                mb(livePeak.get()), mb(heapPeak), mb(rssPeakBytes()), (cpu - cpuAtReset) / 1e9);
    }

    /**
     * CPU seconds since {@link #reset()} by kind of thread (names with digits folded), largest first, the JVM's own
     * threads (JIT compilers, collector) among them; what no live thread accounts for (threads that ended) is "other".
     */
    String threadsJson() {
        var threads = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> byKind = new java.util.HashMap<>();
        long javaThreads = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId()) - threadCpuAtReset.getOrDefault(info.getThreadId(), 0L);
            if (cpu <= 0) {
                continue;
            }
            javaThreads += cpu;
            String kind = info.getThreadName().replaceAll("[0-9]+", "N");
            byKind.merge(kind, cpu, Long::sum);
        }
        Map<Integer, Long> jvmNow = jvmThreadCpu();
        for (Map.Entry<Integer, Long> thread : jvmNow.entrySet()) {
            long cpu = thread.getValue() - jvmThreadCpuAtReset.getOrDefault(thread.getKey(), 0L);
            if (cpu > 0) {
                javaThreads += cpu;
                byKind.merge(jvmKind(thread.getKey()), cpu, Long::sum);
            }
        }
        byKind.put("other (ended threads)", Math.max(0, cpuNanos() - cpuAtReset - javaThreads));
        StringBuilder json = new StringBuilder("{");
        byKind.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> json.append(json.length() > 1 ? "," : "").append(Child.quote(e.getKey())).append(':')
                        .append(String.format(java.util.Locale.ROOT, "%.2f", e.getValue() / 1e9)));
        return json.append('}').toString();
    }

    /**
     * CPU nanoseconds of the JVM's own threads — the JIT's compilers, the collector's threads, the VM thread — by
     * thread id, from /proc/self/task (Linux; empty elsewhere).
     */
    private static Map<Integer, Long> jvmThreadCpu() {
        Map<Integer, Long> cpu = new java.util.HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    if (jvmKindOf(name) == null) {
                        continue;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    // after "(comm)": state is field 3; utime and stime are fields 14 and 15
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    cpu.put(Integer.parseInt(task.getFileName().toString()), ticks * 1_000_000_000L / TICKS_PER_SECOND);
                    JVM_KINDS.put(Integer.parseInt(task.getFileName().toString()), jvmKindOf(name));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException notLinux) {
            return Map.of();
        }
        return cpu;
    }

    private static final Map<Integer, String> JVM_KINDS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String jvmKind(int tid) {
        return JVM_KINDS.getOrDefault(tid, "JVM");
    }

    /** The kind of a JVM thread by its (truncated) kernel name, or null for a Java thread. */
    private static String jvmKindOf(String name) {
        if (name.startsWith("C2 CompilerThre")) {
            return "JIT: C2 compiler";
        } else if (name.startsWith("C1 CompilerThre")) {
            return "JIT: C1 compiler";
        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return "GC: G1's threads";
        } else if (name.equals("VM Thread")) {
            return "VM thread (safepoints, GC pauses)";
        }
        return null;
    }

    /** CPU seconds the process has used so far. */
    static double processCpuSeconds() {
        return cpuNanos() / 1e9;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** VmHWM from /proc/self/status (Linux), in bytes; 0 elsewhere. */
    static long rssPeakBytes() {
        return status("VmHWM:");
    }

    /** VmRSS from /proc/self/status (Linux): the resident memory now, in bytes; 0 elsewhere. */
    static long rssBytes() {
        return status("VmRSS:");
    }

    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
