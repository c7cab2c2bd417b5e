// Backends whose command lines sit one per line in a single file (rEFInd's
// refind_linux.conf, extlinux APPEND, Limine cmdline:): every matching line
// is one boot entry, edited on its own.
#pragma once

#include <functional>
#include <optional>

#include "bootloader/bootloader.h"
#include "bootloader/spans.h"

namespace vb {

// The command line part of one line, or nullopt when the line holds none.
using LineMatcher = std::function<std::optional<Span>(std::string_view line)>;

class LineBootloader : public Bootloader {
public:
    LineBootloader(const char* name, std::vector<std::string> files, LineMatcher match);
    const char* name() const override { return name_; }
    bool present(const Fs& fs) const override { return !first_existing(fs, files_).empty(); }
    Result<std::vector<BootEntry>> entries(const Fs& fs) const override;
    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override;
    Result<std::string> edit_file(const Fs& fs, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override;

private:
    // Each matching line edited on its own, from the last so offsets stay valid.
    Result<std::string> edit_lines(const std::string& path, const std::string& text, const ParamEdit& edit,
                                   std::vector<std::string>* added, std::vector<std::string>* removed) const;
    std::vector<std::pair<Span, int>> spans(std::string_view text) const; // with their line numbers
    const char* name_;
    std::vector<std::string> files_;
    LineMatcher match_;
};

// Offset of the first non-blank byte at or after `i`.
size_t skip_blanks(std::string_view s, size_t i);

} // namespace vb
