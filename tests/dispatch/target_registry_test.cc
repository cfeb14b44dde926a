#include "plantbridge/dispatch/target_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dispatch_fakes.h"

namespace pb {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TargetFactory fakeFactory() {
  return [](const TargetConfig& c, const TargetContext&) -> Result<std::unique_ptr<Target>> {
    return std::unique_ptr<Target>(std::make_unique<test::FakeTarget>(c.name));
  };
}

TEST(TargetFactoryRegistryTest, CreatesRegisteredKinds) {
  TargetFactoryRegistry registry;
  ASSERT_TRUE(registry.add("fake", fakeFactory()).isOk());
  TargetConfig c;
  c.name = "erp";
  c.kind = "fake";
  SystemClock clock;
  auto target = registry.create(c, TargetContext{clock});
  ASSERT_TRUE(target.isOk());
  EXPECT_EQ((*target)->name(), "erp");
}

TEST(TargetFactoryRegistryTest, DuplicateKindIsAnError) {
  TargetFactoryRegistry registry;
  ASSERT_TRUE(registry.add("fake", fakeFactory()).isOk());
  const Status st = registry.add("fake", fakeFactory());
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(st.message(), HasSubstr("'fake' is registered twice"));
}

TEST(TargetFactoryRegistryTest, UnknownKindNamesTheKeyAndTheKnownKinds) {
  TargetFactoryRegistry registry;
  ASSERT_TRUE(registry.add("webhook", fakeFactory()).isOk());
  ASSERT_TRUE(registry.add("odoo", fakeFactory()).isOk());
  TargetConfig c;
  c.name = "qms";
  c.kind = "soap";
  SystemClock clock;
  auto target = registry.create(c, TargetContext{clock});
  ASSERT_FALSE(target.isOk());
  EXPECT_EQ(target.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(target.status().message(),
            "targets.qms.kind: unknown target kind 'soap' (known: odoo, webhook)");
  EXPECT_THAT(registry.kinds(), ElementsAre("odoo", "webhook"));
}

TEST(TargetFactoryRegistryTest, EmptyKindIsRejected) {
  TargetFactoryRegistry registry;
  EXPECT_EQ(registry.add("", fakeFactory()).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pb
