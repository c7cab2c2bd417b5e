// The kernel command line as text: split into parameters the way the kernel
// does (whitespace outside double quotes), and edited by splicing so that
// every byte we do not mean to change stays where it was.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "basic/result.h"

namespace vb {

// One parameter and where it sits in the command line.
struct ParamSpan {
    size_t begin = 0, end = 0; // byte offsets, end exclusive
    std::string text;          // as written, quotes included
};

// Fails (EINVAL) on an unbalanced double quote, which the kernel would
// silently swallow into the next parameter.
Result<std::vector<ParamSpan>> split_cmdline(std::string_view cmdline);
std::vector<std::string> split_words(const std::vector<ParamSpan>& spans);
std::string join_cmdline(const std::vector<std::string>& params);

// "intel_iommu" for `intel_iommu=on` and `"intel_iommu=on"`; the kernel treats
// '-' and '_' alike in names, so we return the name with '-' folded to '_'.
std::string param_key(std::string_view param);
// True when both name the same setting: same key, and for parameters that may
// legitimately repeat (console=, video=<connector>:) the same instance.
bool same_setting(std::string_view a, std::string_view b);

// A parameter given on our command line (--add): one word, no quoting or
// shell-special characters, so it survives every file format unchanged.
Status validate_param(std::string_view param);

struct ParamEdit {
    std::vector<std::string> set;    // present afterwards; other values of the same setting replaced
    std::vector<std::string> remove; // exact parameters to drop ("amd_iommu=off")
    bool empty() const { return set.empty() && remove.empty(); }
};

struct EditOutcome {
    std::string cmdline;              // the edited text
    std::vector<std::string> added;   // appended parameters
    std::vector<std::string> removed; // dropped or replaced parameters, as they were
    bool changed() const { return !added.empty() || !removed.empty(); }
};

// Applies `edit`: a replaced parameter keeps its place, new ones are appended,
// removed ones take one neighbouring run of whitespace with them.
Result<EditOutcome> apply_edit(std::string_view cmdline, const ParamEdit& edit);

// The same on a command line written in another syntax (a shell word): byte
// i of `cmdline` is written at written[begin[i], end[i]); what lies between
// (quotes, continued lines) is copied where its neighbours stay. New
// parameters go after the last kept one, or at `empty_at` for an empty
// command line; `added_text(offset, text)` gives the bytes that write `text`
// at that offset of `written`, or why it cannot be written there.
struct WrittenCmdline {
    std::string_view written;
    std::vector<size_t> begin, end;
    size_t empty_at = 0;
    std::function<Result<std::string>(size_t, const std::string&)> added_text;
};
Result<EditOutcome> apply_edit_written(std::string_view cmdline, const WrittenCmdline& w, const ParamEdit& edit);

} // namespace vb
