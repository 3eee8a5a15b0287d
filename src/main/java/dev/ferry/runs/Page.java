package dev.ferry.runs;

import java.util.List;

/** One page of a longer list: its items, where it starts, its size limit, and how many there are in all. */
public record Page<T>(List<T> items, int offset, int limit, long total) {
}
