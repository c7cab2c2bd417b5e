#include "bootloader/shell_word.h"

#include "basic/shell_assign.h"

namespace vb {

namespace {

// The quoting in force just before raw[at]: '"', '\'' or 0.
char quote_at(std::string_view raw, size_t at) {
    char q = 0;
    for (size_t i = 0; i < at && i < raw.size(); ++i) {
        char c = raw[i];
        if (q == '\'') {
            if (c == '\'') q = 0;
        } else if (c == '\\') {
            ++i;
        } else if (c == '"' || (c == '\'' && q == 0)) {
            q = q == c ? 0 : c;
        }
    }
    return q;
}

bool has_blank(std::string_view s) { return s.find_first_of(" \t\n") != std::string_view::npos; }

Result<EditOutcome> edit_mapped(const std::string& word, const ShellWordMap& m, const ParamEdit& edit) {
    WrittenCmdline w;
    w.written = word;
    w.begin = m.begin;
    w.end = m.end;
    // An empty value: inside its first quotes.
    size_t q = word.find_first_of("\"'");
    w.empty_at = q == std::string::npos ? word.size() : q + 1;
    w.added_text = [&](size_t at, const std::string& text) -> Result<std::string> {
        // Validated parameters hold nothing special inside quotes; outside,
        // the blank between them would end the word.
        if (quote_at(word, at)) return text;
        return make_error(EINVAL, "the value " + word + " ends outside its quotes; edit it by hand");
    };
    return apply_edit_written(m.value, w, edit);
}

} // namespace

Result<std::vector<std::string>> shell_word_params(std::string_view raw) {
    auto m = map_shell_word(raw);
    if (!m) return m.error();
    auto params = split_cmdline(m->value);
    if (!params) return params.error();
    return split_words(*params);
}

Result<EditOutcome> edit_shell_word(std::string_view raw, const ParamEdit& edit) {
    auto m = map_shell_word(raw);
    if (!m) return m.error();
    // A plain bare word means the same in double quotes: edited there, so
    // that added parameters join the value, unquoted again if it stays one word.
    const bool bare = raw.find_first_of("'\"\\$`") == std::string_view::npos;
    std::string word = bare ? "\"" + std::string(raw) + "\"" : std::string(raw);
    if (bare) m = map_shell_word(word);
    auto r = edit_mapped(word, *m, edit);
    if (!r) return r.error();
    if (!r->changed()) {
        r->cmdline = std::string(raw);
        return r;
    }
    if (bare && !has_blank(std::string_view(r->cmdline).substr(1, r->cmdline.size() - 2)))
        r->cmdline = r->cmdline.substr(1, r->cmdline.size() - 2);
    // What the shell will read must be the edited command line.
    auto expected = apply_edit(m->value, edit);
    if (!expected) return expected.error();
    auto got = shell_word_params(r->cmdline);
    auto want = split_cmdline(expected->cmdline);
    if (!got || !want || *got != split_words(*want))
        return make_error(EINVAL, "the value " + std::string(raw) +
                                      " cannot be edited without changing how the shell reads the rest of it "
                                      "(a parameter written across quotes?); edit it by hand");
    return r;
}

} // namespace vb
