// Just enough of the shell grammar to read and edit files that are sourced
// by sh or bash, like /etc/default/grub and mkinitcpio.conf: find variable
// assignments (bash's arrays and += too), their raw value words and lines,
// and expand the simple values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "basic/result.h"

namespace vb {

struct ShellAssignment {
    std::string name;
    int line = 0;           // 1-based line of NAME=
    size_t value_begin = 0; // raw value word: [value_begin, value_end) in the text
    size_t value_end = 0;
    std::string raw;          // that word, quotes included; an array's "( ... )" whole
    bool conditional = false; // inside if/case/a loop/braces/a function: may not run
    bool append = false;      // NAME+=value (bash)
    bool array = false;       // NAME=( ... ) (bash)
};

// Every assignment in the file, in order. Fails on unbalanced quotes or
// substitutions, naming path:line where the unfinished one starts.
Result<std::vector<ShellAssignment>> parse_shell_assignments(std::string_view text, const std::string& path);

// The value the shell would assign: quotes removed, $NAME and ${NAME}
// substituted from `vars` (unset names are empty). Command substitution and
// other ${...} forms are refused (EINVAL): we cannot know their value.
Result<std::string> expand_shell_word(std::string_view raw, const std::map<std::string, std::string>& vars);

// The elements of an array value "(a 'b c' \"d\")", quotes removed. An
// element that needs expanding ($, `) is refused (EINVAL): we cannot know it.
Result<std::vector<std::string>> shell_array_words(std::string_view raw);

// A raw word's value as the shell assigns it, each byte with the place in
// the word that writes it, so that the value can be edited where it is
// written: any mix of '...', "..." (with \" \\ \$ \` escapes) and bare
// parts, continued over lines with a trailing backslash. $NAME and ${NAME}
// stay as written (unknown here, edited as opaque text); a command
// substitution ($(...) or `...`) is refused (EINVAL).
struct ShellWordMap {
    std::string value;
    std::vector<size_t> begin, end; // value[i] is written at raw[begin[i], end[i])
    std::vector<char> quote;        // the quoting at value[i]: '"', '\'' or 0
};
Result<ShellWordMap> map_shell_word(std::string_view raw);

} // namespace vb
