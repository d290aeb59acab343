// GATETRACE_API marks what the shared library exports. gatetrace is built with hidden
// visibility, so only the public API is visible to the dynamic linker: the internals
// can change without breaking users, and symbol lookup stays fast.
#pragma once

#define GATETRACE_API __attribute__((visibility("default")))

// For members of an exported class that are internal all the same (the class must be
// visible because public classes hold it by pointer).
#define GATETRACE_HIDDEN __attribute__((visibility("hidden")))
