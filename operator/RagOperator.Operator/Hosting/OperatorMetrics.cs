using System.Globalization;
using Prometheus;
using RagOperator.Observability.Metrics;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Hosting;

/// <summary>
/// Per-collection gauges: shards ready and desired, points per shard and the active routing version, as the last
/// reconcile saw them. A deleted collection's series, and a drained shard's, are removed, so they disappear from
/// the next scrape instead of reporting their last value for ever. Reconcile counts and durations come from the
/// controller runtime's own metrics.
/// </summary>
public sealed class OperatorMetrics
{
    private readonly Lock gate = new();
    private readonly Gauge shardsReady;
    private readonly Gauge shardsDesired;
    private readonly Gauge routingVersion;
    private readonly Gauge points;
    private readonly Gauge certificateExpiry;
    private readonly Gauge certificateRenewal;
    private readonly Dictionary<(string Namespace, string Collection), string[]> shardsWithPoints = [];
    private readonly Dictionary<(string Namespace, string Collection), (string Secret, string Role)[]> certificates = [];

    public OperatorMetrics(IMetricFactory factory)
    {
        shardsReady = RagInstruments.ShardsReady.CreateGauge(factory);
        shardsDesired = RagInstruments.ShardsDesired.CreateGauge(factory);
        routingVersion = RagInstruments.RoutingVersion.CreateGauge(factory);
        points = RagInstruments.Points.CreateGauge(factory);
        certificateExpiry = RagInstruments.CertificateExpiry.CreateGauge(factory);
        certificateRenewal = RagInstruments.CertificateRenewal.CreateGauge(factory);
    }

    public void Record(ReconcileContext context)
    {
        var (ns, name) = (context.Namespace, context.Name);
        var shards = context.Facts.Shards;
        var counted = shards.Where(s => s.Points is not null).ToList();
        var indexes = counted.Select(s => s.Index.ToString(CultureInfo.InvariantCulture)).ToArray();
        lock (gate)
        {
            shardsReady.WithLabels(ns, name).Set(shards.Count(s => s.Ready));
            shardsDesired.WithLabels(ns, name).Set(context.Spec.Shards);
            routingVersion.WithLabels(ns, name).Set(context.Table?.Version ?? 0);
            if (shardsWithPoints.TryGetValue((ns, name), out var previous))
            {
                foreach (var gone in previous.Except(indexes, StringComparer.Ordinal)) points.RemoveLabelled(ns, name, gone);
            }

            for (var i = 0; i < counted.Count; i++) points.WithLabels(ns, name, indexes[i]).Set(counted[i].Points!.Value);
            shardsWithPoints[(ns, name)] = indexes;
            if (context.Facts.Tls is { } tls) RecordCertificates(ns, name, tls.Certificates ?? []);
        }
    }

    private void RecordCertificates(string ns, string name, IList<Api.V1Alpha1.CertificateStatus> current)
    {
        var labels = current.Select(c => (c.Secret, c.Role ?? "")).ToArray();
        if (certificates.TryGetValue((ns, name), out var previous))
        {
            foreach (var (secret, role) in previous.Except(labels)) RemoveCertificate(ns, name, secret, role);
        }

        foreach (var certificate in current)
        {
            if (certificate.NotAfter is { } notAfter) certificateExpiry.WithLabels(ns, name, certificate.Secret, certificate.Role ?? "").Set(notAfter.ToUnixTimeSeconds());
            if (certificate.RenewAt is { } renewAt) certificateRenewal.WithLabels(ns, name, certificate.Secret, certificate.Role ?? "").Set(renewAt.ToUnixTimeSeconds());
        }

        certificates[(ns, name)] = labels;
    }

    private void RemoveCertificate(string ns, string name, string secret, string role)
    {
        certificateExpiry.RemoveLabelled(ns, name, secret, role);
        certificateRenewal.RemoveLabelled(ns, name, secret, role);
    }

    public void Forget(string @namespace, string collection)
    {
        lock (gate)
        {
            shardsReady.RemoveLabelled(@namespace, collection);
            shardsDesired.RemoveLabelled(@namespace, collection);
            routingVersion.RemoveLabelled(@namespace, collection);
            if (shardsWithPoints.Remove((@namespace, collection), out var indexes))
            {
                foreach (var index in indexes) points.RemoveLabelled(@namespace, collection, index);
            }

            if (certificates.Remove((@namespace, collection), out var issued))
            {
                foreach (var (secret, role) in issued) RemoveCertificate(@namespace, collection, secret, role);
            }
        }
    }
}
