package dev.ferry.runs;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.gather.Refresh;

/** The two log lines of every run: one when it starts and one when it ends, with its counts. */
public final class RunLog {

    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.runs");

    private RunLog() {
    }

    public static void started(long runId, String connector, Trigger trigger, RunMode mode, Refresh.Kind refresh,
                               String watermark, String instance) {
        if (refresh == Refresh.Kind.FULL) {
            LOG.info("Run {} {} started ({}, {}, full refresh) on {}", runId, connector, trigger, mode, instance);
            return;
        }
        LOG.info("Run {} {} started ({}, {}) on {} from {}", runId, connector, trigger, mode, instance,
                watermark == null ? "the beginning (no watermark yet)" : "watermark " + watermark);
    }

    public static void ended(Run run) {
        String line = String.format(Locale.ROOT, "Run %d %s %s in %s: gathered %d, delivered %d, failed %d, skipped %d%s%s%s%s",
                run.id(), run.connector(), run.status(), duration(run.startedAt(), run.endedAt()),
                run.gathered(), run.delivered(), run.failed(), run.skipped(),
                run.refresh() == Refresh.Kind.FULL ? "; full refresh: unchanged " + run.unchanged() + ", deletes "
                        + run.deleted() : run.unchanged() > 0 ? "; read again unchanged " + run.unchanged() : "",
                where(run),
                run.watermarkAfter() == null ? "" : "; watermark " + run.watermarkAfter(),
                run.error() == null ? "" : "; " + run.error());
        if (run.status() == RunStatus.COMPLETED || run.status() == RunStatus.DELETED) {
            LOG.info(line);
        } else {
            LOG.warn(line);
        }
    }

    /** "; gathered on a, delivered by a 13000, b 12972 (failed 2)": the instances of a run. */
    public static String where(Run run) {
        StringBuilder where = new StringBuilder();
        if (run.gatheredBy() != null) {
            where.append("; gathered on ").append(run.gatheredBy());
        }
        if (!run.deliveredBy().isEmpty()) {
            where.append(where.length() == 0 ? "; " : ", ").append("delivered by ");
            for (int i = 0; i < run.deliveredBy().size(); i++) {
                Run.Delivery d = run.deliveredBy().get(i);
                where.append(i == 0 ? "" : ", ").append(d.instance()).append(' ').append(d.delivered())
                        .append(d.failed() == 0 ? "" : " (failed " + d.failed() + ")");
            }
        }
        return where.toString();
    }

    private static String duration(Instant start, Instant end) {
        if (start == null || end == null) {
            return "?";
        }
        Duration d = Duration.between(start, end);
        return d.toMillis() < 60_000
                ? String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0)
                : String.format(Locale.ROOT, "%d min %d s", d.toMinutes(), d.toSecondsPart());
    }
}
