package dev.ferry.runs;

/** What started a run. */
public enum Trigger {
    SCHEDULE, MANUAL, RETRY
}
