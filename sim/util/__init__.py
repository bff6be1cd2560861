"""Domain-free helpers: streams, parallel rows, memory, the compiled-code cache, strict JSON, partial dirs."""
