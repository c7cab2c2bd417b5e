// Editing a command line where it sits inside a file: lines by offset, the
// byte ranges that hold (parts of) one command line, and the edit applied
// to them so that every other byte of the file stays where it was.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "basic/kernel_params.h"
#include "basic/result.h"

namespace vb {

// A line of a file by offsets: [begin, end) without its "\n" or "\r\n".
struct LineRef {
    size_t begin = 0, end = 0;
    int number = 0; // 1-based
};
std::vector<LineRef> line_refs(std::string_view text);

// A byte range of a file holding (part of) one command line.
struct Span {
    size_t begin = 0, end = 0;
};

// How a span writes its part of the command line: as plain text (entry
// options, APPEND lines: the default) or as a shell word (GRUB).
struct SpanSyntax {
    std::function<Result<std::vector<std::string>>(std::string_view)> params;
    std::function<Result<EditOutcome>(std::string_view, const ParamEdit&)> edit;
};
const SpanSyntax& plain_syntax();

// Applies `edit` to one command line written across several spans of `text`
// (several `options` lines of one entry): removals everywhere, a replaced
// setting where it was found first, additions in the last span given (which
// need not be the last in the file).
Result<std::string> edit_spans(std::string_view text, const std::vector<Span>& spans, const ParamEdit& edit,
                               std::vector<std::string>* added = nullptr, std::vector<std::string>* removed = nullptr,
                               const SpanSyntax& syntax = plain_syntax());

// The words of the command line the spans hold, in order.
Result<std::vector<std::string>> span_words(std::string_view text, const std::vector<Span>& spans,
                                            const SpanSyntax& syntax = plain_syntax());

// The 1-based line holding byte `offset` of `text`.
int line_of(std::string_view text, size_t offset);

} // namespace vb
