// `lpo apply-chat-template --tokenizer PATH`: stdin one JSON object {"messages": [...],
// "add_generation_prompt": bool, ...} per line -> stdout the text the model's chat template
// renders, one JSON string per line. Errors name "stdin:N" and the template's line.
#include <iostream>

#include "cli/command.hpp"
#include "tokenizer/chat_template_stream.hpp"
#include "util/error.hpp"

namespace lpo::cli {
namespace {
Register reg("apply-chat-template",
             "render conversations (JSON lines on stdin) with the model's own chat template",
             [](CLI::App& app) -> Runner {
  auto path = std::make_shared<std::string>();
  app.add_option("--tokenizer", *path,
                 "model directory holding tokenizer_config.json (or chat_template.jinja), or that file")
      ->required();
  return [path] {
    auto tmpl = load_chat_template(*path);
    check(tmpl.has_value(), "'", *path, "' has no chat template (no \"chat_template\" in tokenizer_config.json)");
    apply_chat_template_stream(*tmpl, std::cin, std::cout);
    return 0;
  };
});
}  // namespace
}  // namespace lpo::cli
