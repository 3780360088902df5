// The chat-template engine on hand-computed cases: Python Jinja semantics (as transformers
// renders templates) where @huggingface/jinja 0.5.11 lacks a feature, whitespace control, and
// error messages that name the template, line and construct.
#include <gtest/gtest.h>

#include "tokenizer/chat_format.hpp"
#include "tokenizer/chat_template.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

std::string render(const std::string& source, const nlohmann::ordered_json& vars = nlohmann::ordered_json::object()) {
  ChatTemplate t{source, "t.jinja", {{"bos_token", "<s>"}, {"eos_token", "</s>"}}};
  nlohmann::ordered_json messages = vars.value("messages", nlohmann::ordered_json::array());
  return render_chat(t, messages, vars);
}

std::string error_of(const std::string& source) {
  try {
    render(source);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Jinja, StringMethodsWithArguments) {
  EXPECT_EQ(render("{{ '\\n x\\n'.lstrip('\\n') }}|{{ '--x--'.strip('-') }}|{{ 'ab'.rstrip('b') }}|{{ '  y '.strip() }}"),
            " x\n|x|a|y");
  EXPECT_EQ(render("{{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ ' a  b '.split() }}"),
            "[\"a\", \"b,c\"] [\"a,b\", \"c\"] [\"a\", \"b\"]");
  EXPECT_EQ(render("{{ 'hello'.find('l') }} {{ 'hello'.find('z') }} {{ 'banana'.count('an') }} {{ 'a-b'.replace('-', '+') }}"),
            "2 -1 2 a+b");
  EXPECT_EQ(render("{{ 'x'.startswith(('a', 'x')) }} {{ 'abc'.endswith('bc') }} {{ 'hello world'.title() }} {{ 'ÉCOLE'.lower() }}"),
            "true true Hello World école");
  EXPECT_EQ(render("{{ '{} and {}'.format(1, 'b') }}"), "1 and b");
}

TEST(Jinja, FiltersTestsAndOperatorsWithPythonSemantics) {
  EXPECT_EQ(render("{{ 9 is divisibleby 3 }} {{ 10 is divisibleby(3) }} {{ [1, 2] == [1, 2] }} {{ 'x' * 3 }}"),
            "true false true xxx");
  EXPECT_EQ(render("{{ '--x--' | trim('-') }} {{ 'one two, three' | wordcount }} {{ 'ab' | list | join('.') }}"),
            "x 3 a.b");
  EXPECT_EQ(render("{% for i in range(4) %}{{ loop.cycle('a', 'b') }}{{ loop.revindex0 }}{% endfor %}"), "a3b2a1b0");
  EXPECT_EQ(render("{{ missing.attr.deeper | length }}[{{ missing.x }}]{{ missing is undefined }}"), "0[]true");
  EXPECT_EQ(render("{{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** -1 }} {{ 1e3 }} {{ 3.0 }} {{ 1 / 3 }}"),
            "-4 2 0.5 1000.0 3.0 0.3333333333333333");
  EXPECT_EQ(render("{{ [3, 1, 2] | sort(reverse=true) | join }} {{ ['B', 'a'] | sort | join }} {{ [1, 1, 2] | unique | list | length }}"),
            "321 aB 2");
  EXPECT_EQ(render("{{ {'b': 2, 'a': 1} | dictsort }} {{ {'k': 'é'} | tojson }} {{ [1, 2] | tojson(indent=1) }}"),
            "[[\"a\", 1], [\"b\", 2]] {\"k\": \"é\"} [\n 1,\n 2\n]");
  EXPECT_EQ(render("{{ none }}|{{ true }}|{{ 'a' ~ none ~ 1 }}|{{ [1, 'a'] }}"), "|true|a1|[1, \"a\"]");
  EXPECT_EQ(render("{{ 'x' if false }}|{{ 'y' if 0 else 'z' }}|{{ '' or 'w' }}|{{ 'v' and 0 }}"), "|z|w|0");
  EXPECT_EQ(render("{{ 'hello'[1:4] }} {{ 'hello'[::-1] }} {{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3][-1] }} {{ 'héllo'[1] }}"),
            "ell olleh [1, 3] 3 é");
}

TEST(Jinja, StatementsScopesAndMacros) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}"), "1");  // loop scope
  EXPECT_EQ(render("{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}"), "4");
  EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set l = [] %}{% for i in [1, 2] %}{% set _ = l.append(i * 10) %}{% endfor %}{{ l }}"), "[10, 20]");
  EXPECT_EQ(render("{% macro m(a, b='B') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(2, b=3) }}{{ m('x', 'y') }}"), "1B23xy");
  EXPECT_EQ(render("{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}in{% endcall %}"), "<in>");
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for k, v in {'a': 1}.items() %}{{ k }}={{ v }}{% endfor %}"), "a=1");
  EXPECT_EQ(render("{% set t %}A{{ 1 }}{% endset %}{{ t }}{% filter lower %}XY{% endfilter %}"), "A1xy");
  EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
  EXPECT_EQ(render("{% raw %}{{ not parsed }}{% endraw %}"), "{{ not parsed }}");
  EXPECT_EQ(render("{{ bos_token }}{{ eos_token }}{{ add_generation_prompt }}{{ tools is none }}", {{"extra", 1}}), "<s></s>falsetrue");
  EXPECT_EQ(render("{{ enable_thinking }}", {{"enable_thinking", false}}), "false");
  EXPECT_EQ(render("{% if x is defined %}{% elif y %}Y{% else %}N{% endif %}", {{"y", 1}}), "Y");
}

TEST(Jinja, WhitespaceControlAsTransformersSetsIt) {
  // trim_blocks: the newline after a block tag goes; lstrip_blocks: indentation before it goes.
  EXPECT_EQ(render("{% if true %}\n  a\n  {% endif %}\nb"), "  a\nb");
  EXPECT_EQ(render("  {%+ if true %}x{% endif %}"), "  x");   // {%+ keeps the indentation
  EXPECT_EQ(render("{% if true +%}\nx{% endif %}"), "\nx");   // +%} keeps the newline
  EXPECT_EQ(render("a  {{- 'b' -}}  \n c"), "abc");
  EXPECT_EQ(render("a {#- note -#} b {# kept #}\nc"), "ab c");
  EXPECT_EQ(render("x {{ 1 }}\n"), "x 1");                    // one trailing newline dropped
  EXPECT_EQ(render("x\n\n"), "x\n");
}

TEST(Jinja, ErrorsNameTemplateLineAndConstruct) {
  EXPECT_EQ(error_of("a\n{{ raise_exception('roles must alternate') }}"),
            "chat template t.jinja line 2: raise_exception(): roles must alternate");
  EXPECT_EQ(error_of("\n\n{{ x | nosuch }}"), "chat template t.jinja line 3: filter 'nosuch': unknown filter 'nosuch'");
  EXPECT_EQ(error_of("{% for x in y %}"), "chat template t.jinja line 1: the template ends inside a block: expected {% endfor %}");
  EXPECT_EQ(error_of("{% endif %}"), "chat template t.jinja line 1: unknown tag {% endif %} here (no open block it closes)");
  EXPECT_EQ(error_of("{{ 'a' + 1 }}"), "chat template t.jinja line 1: operator '+': unsupported operand types for +: 'str' and 'int'");
  EXPECT_EQ(error_of("{{ nofunc(1) }}"), "chat template t.jinja line 1: nofunc(): 'nofunc' is undefined");
  EXPECT_EQ(error_of("{{ 'x'.nomethod() }}"), "chat template t.jinja line 1: method .nomethod(): the called object is undefined");
  EXPECT_EQ(error_of("{{ 'open"), "chat template t.jinja line 1: string literal is never closed");
  EXPECT_EQ(error_of("{{ '\\xZZ' }}"), "chat template t.jinja line 1: bad hexadecimal escape in a string literal");
  EXPECT_EQ(error_of("ok\xFF"), "chat template t.jinja: invalid UTF-8 at byte 2");
  EXPECT_EQ(error_of("{{ 'x' * 300000000 }}"), "chat template t.jinja line 1: operator '*': string repetition too large");
  EXPECT_EQ(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"),
            "chat template t.jinja line 1: f(): macro calls nest deeper than 64");
  EXPECT_EQ(error_of("{{ " + std::string(400, '(') + "1" + std::string(400, ')') + " }}"),
            "chat template t.jinja line 1: the template nests expressions or blocks deeper than 300");
  EXPECT_EQ(error_of("{{ none | trim }}"), "chat template t.jinja line 1: filter 'trim': expects a string, found NoneType");
  EXPECT_EQ(render("{{ 3 | string | trim }}{{ 4 | upper }}{{ missing | trim }}"), "34");
  EXPECT_EQ(error_of("{% set x.y = 1 %}"), "chat template t.jinja line 1: {% set x.y %}: 'x' is undefined, not a namespace()");
}

TEST(ChatTemplateEndOfTurn, IsTheTokenAfterTheAssistantContent) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer_config.json");
  EXPECT_EQ(template_end_of_turn(*load_chat_template(test::shared_path("tokenizers/qwen3"))), "<|im_end|>");
  // Llama 3's base template opens another assistant header after "<|eot_id|>": not part of the turn.
  EXPECT_EQ(template_end_of_turn(*load_chat_template(test::shared_path("tokenizers/llama3/tokenizer_config.json"))),
            "<|eot_id|>");
  EXPECT_EQ(template_end_of_turn({"{% for m in messages %}[{{ m.content }}] </s>\n{% endfor %}", "t", {}}), "] </s>");
  EXPECT_EQ(template_end_of_turn({"{% for m in messages %}{{ m.content }}\n\n{% endfor %}", "t", {}}), "");
  EXPECT_EQ(resolve_chat_format("auto", test::shared_path("tokenizers/qwen3")).kind(), ChatFormat::Kind::templated);
  EXPECT_EQ(resolve_chat_format("auto", test::shared_path("tokenizers/gpt2")).kind(), ChatFormat::Kind::plain);
  EXPECT_EQ(resolve_chat_format("chatml", test::shared_path("tokenizers/qwen3")), ChatFormat::chatml);
  EXPECT_THROW(resolve_chat_format("template", test::shared_path("tokenizers/gpt2")), Error);
}

}  // namespace
// A list that contains itself cannot be serialised: an error, not a stack overflow (found by
// fuzz_chat_template).
TEST(Jinja, SelfContainingListIsAnErrorInTojson) {
  const std::string msg = error_of("{% set x = [] %}{{ x.append(x) }}{{ x | tojson }}");
  EXPECT_NE(msg.find("contains itself"), std::string::npos) << msg;
}

}  // namespace lpo
