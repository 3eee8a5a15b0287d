package dev.ferry.runs;

/** Whether a run delivers ({@code SYNC}) or stops after staging ({@code PREVIEW}). */
public enum RunMode {
    SYNC, PREVIEW
}
