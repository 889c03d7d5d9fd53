using System.Text;
using Prometheus;

namespace RagOperator.TestSupport.Prometheus;

/// <summary>Reads a registry in the text format exactly as <c>/metrics</c> would serve it, for tests without a web server.</summary>
public static class RegistryScrape
{
    public static async Task<Exposition> ScrapeAsync(this CollectorRegistry registry)
    {
        using var buffer = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(buffer);
        return PrometheusTextParser.Parse(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
