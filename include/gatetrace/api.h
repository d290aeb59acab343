// GATETRACE_API marks what the shared library exports. gatetrace is built with hidden
// visibility, so only the public API is visible to the dynamic linker: the internals
// can change without breaking users, and symbol lookup stays fast.
#pragma once

#define GATETRACE_API __attribute__((visibility("default")))
