// The line protocol of `lpo apply-chat-template`: conversations in, rendered texts out.
#pragma once
#include <istream>
#include <ostream>
#include <string>

#include "tokenizer/chat_template.hpp"

namespace lpo {

/// Each input line is a JSON object {"messages": [...], "add_generation_prompt": bool, ...}: every
/// key but "messages" is a template variable (enable_thinking, tools, bos_token...). Writes per
/// line the rendered text as one JSON string (UTF-8, not \u-escaped), flushed per line.
/// Returns the number of lines rendered. Throws lpo::Error "<source>:<line>: ..." for a line that
/// is not such an object (blank lines included) or whose rendering fails; earlier lines are out.
long apply_chat_template_stream(const ChatTemplate& tmpl, std::istream& in, std::ostream& out,
                                const std::string& source = "stdin");

}  // namespace lpo
