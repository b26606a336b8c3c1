// Reading an input file at the edge: size limit, binary detection, and the
// name errors will carry. Everything after this is text in, values out.
#pragma once

#include <cstddef>
#include <string>

namespace cpucompat {

struct InputText {
    std::string name;  // as given by the user ("-" reads stdin)
    std::string text;
};

// Files larger than this are refused before they are read: real CPUID
// dumps (InstLatx64 files of many-core servers) are < 3 MB.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;
// JSON and YAML inputs (fingerprints, templates, records, settings) are a few
// KiB; their parsers take tens of bytes of memory per input byte, so they
// get a tighter limit that keeps a hostile file under 100 MB of memory
// (measured: ~240 bytes of yaml-cpp per byte of a flow list of one-letter
// items, the worst case; 256 KiB of it peak at ~65 MB RSS).
inline constexpr std::size_t kMaxStructuredBytes = 256u << 10;

// Throws Error naming the file when it cannot be read, is not a regular
// file (a FIFO, device or directory: opened with O_NONBLOCK, so a FIFO
// without a writer cannot block), is larger than kMaxInputBytes (told by
// fstat before anything is read; stdin, "-", is read up to the limit), or
// is binary (contains NUL bytes).
InputText read_input_file(const std::string &path);
// The same checks for text that arrived some other way (tests, fuzzers).
void check_input_text(const InputText &in);

}  // namespace cpucompat
