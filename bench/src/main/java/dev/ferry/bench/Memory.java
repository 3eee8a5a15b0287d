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
 *   <li><b>live heap peak</b> — the most heap still in use right after a garbage collection: what the
 *       process really had to hold at once. This is the figure that must stay flat as rows grow;</li>
 *   <li><b>heap peak</b> — the most heap in use at any moment, garbage included (depends on how
 *       lazily the collector ran, so it says less);</li>
 *   <li><b>RSS peak</b> — the kernel's high-water mark of resident memory (VmHWM).</li>
 * </ul>
 */
final class Memory {

    private final AtomicLong livePeak = new AtomicLong();

    /** Starts watching collections; call first thing in the JVM. */
    static Memory watch() {
        Memory memory = new Memory();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
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

    /** Forgets what start-up used, so a figure covers one run only. */
    void reset() {
        System.gc();
        livePeak.set(0);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** {"liveHeapPeakMb":..,"heapPeakMb":..,"rssPeakMb":..}, after one more collection. */
    String json() {
        System.gc();
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        return String.format(java.util.Locale.ROOT, "{\"liveHeapPeakMb\":%.1f,\"heapPeakMb\":%.1f,\"rssPeakMb\":%.1f}",
                mb(livePeak.get()), mb(heapPeak), mb(rssPeakBytes()));
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** VmHWM from /proc/self/status (Linux), in bytes; 0 elsewhere. */
    static long rssPeakBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
