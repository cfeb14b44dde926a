#include "plantbridge/connectors/opcua/value_text.h"

#include <charconv>
#include <cmath>
#include <type_traits>
#include <variant>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include "plantbridge/common/time.h"

namespace pb::opcua {

namespace json = boost::json;

std::string qualifiedNameText(const QualifiedName& name) {
  return std::to_string(name.namespace_index) + ":" + name.name;
}

std::string statusName(StatusCode status) {
  std::string text = status.toString();
  const auto paren = text.find(" (");
  return paren == std::string::npos ? text : text.substr(0, paren);
}

namespace {

std::string numberText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string scalarText(const Scalar& s) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_integral_v<T>) {
          return std::to_string(
              static_cast<std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>(v));
        } else if constexpr (std::is_floating_point_v<T>) {
          return numberText(static_cast<double>(v));
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "\"" + v + "\"";
        } else if constexpr (std::is_same_v<T, DateTime>) {
          if (v.ticks == 0) return "(no time)";
          return formatRfc3339(fromUnixMicros(unixMicrosFromDateTime(v)));
        } else if constexpr (std::is_same_v<T, Guid> || std::is_same_v<T, NodeId>) {
          return v.toString();
        } else if constexpr (std::is_same_v<T, ByteString>) {
          return "<" + std::to_string(v.bytes.size()) + " bytes>";
        } else if constexpr (std::is_same_v<T, XmlElement>) {
          return "<XML, " + std::to_string(v.xml.size()) + " bytes>";
        } else if constexpr (std::is_same_v<T, ExpandedNodeId>) {
          return v.node_id.toString();
        } else if constexpr (std::is_same_v<T, StatusCode>) {
          return statusName(v);
        } else if constexpr (std::is_same_v<T, QualifiedName>) {
          return qualifiedNameText(v);
        } else if constexpr (std::is_same_v<T, LocalizedText>) {
          return "\"" + v.text.value_or("") + "\"";
        } else if constexpr (std::is_same_v<T, ExtensionObject>) {
          return "<ExtensionObject " + v.type_id.toString() + ">";
        } else {
          return "<nested value>";  // DataValue, Variant, DiagnosticInfo: not worth a line
        }
      },
      s);
}

}  // namespace

std::string variantText(const Variant& v, size_t max_elements) {
  if (v.isNull()) return "null";
  if (!v.is_array) return v.values.empty() ? "null" : scalarText(v.values.front());
  std::string out = "[";
  for (size_t i = 0; i < v.values.size() && i < max_elements; ++i) {
    if (i > 0) out += ", ";
    out += scalarText(v.values[i]);
  }
  if (v.values.size() > max_elements) {
    out += ", ... (" + std::to_string(v.values.size()) + " elements)";
  }
  return out + "]";
}

namespace {

json::value scalarJson(const Scalar& s) {
  return std::visit(
      [&s](const auto& v) -> json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v;
        } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
          return static_cast<int64_t>(v);
        } else if constexpr (std::is_integral_v<T>) {
          return static_cast<uint64_t>(v);
        } else if constexpr (std::is_floating_point_v<T>) {
          // JSON has no NaN or infinity; their text keeps the document valid.
          if (!std::isfinite(v)) return json::string(numberText(static_cast<double>(v)));
          return static_cast<double>(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return json::string(v);
        } else if constexpr (std::is_same_v<T, LocalizedText>) {
          return v.text ? json::value(json::string(*v.text)) : json::value(nullptr);
        } else {
          return json::string(scalarText(s));
        }
      },
      s);
}

}  // namespace

json::value variantJson(const Variant& v) {
  if (v.isNull()) return nullptr;
  if (!v.is_array) return v.values.empty() ? json::value(nullptr) : scalarJson(v.values.front());
  json::array out;
  for (const auto& element : v.values) out.push_back(scalarJson(element));
  return out;
}

}  // namespace pb::opcua
