using Xunit.Sdk;

namespace LeaseManager.Tests.Semantics;

/// <summary>
/// A case of the semantics suite. Written once on the abstract suite, it runs in every concrete
/// subclass; a subclass marked <see cref="RequiresFunctionPackageAttribute"/> has its cases skipped,
/// with the reason in the report, when no function package was built.
/// </summary>
[XunitTestCaseDiscoverer("LeaseManager.Tests.Semantics.SuiteFactDiscoverer", "LeaseManager.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SuiteFactAttribute : FactAttribute;

/// <summary>The entry point runs the packaged function: it needs <c>make package</c> first (<c>make test</c> does it).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresFunctionPackageAttribute : Attribute;

public sealed class SuiteFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var needsPackage = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresFunctionPackageAttribute)).Any();
        if (needsPackage && PackagedFunction.MissingReason is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(diagnostics, display, displayOptions, testMethod, reason)];
        }

        return [new XunitTestCase(diagnostics, display, displayOptions, testMethod)];
    }
}
