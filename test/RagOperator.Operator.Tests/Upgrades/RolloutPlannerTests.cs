using FluentAssertions;
using RagOperator.Operator.Upgrades;
using Xunit;

namespace RagOperator.Operator.Tests.Upgrades;

public sealed class RolloutPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>Pods by a letter each: o = outdated and Ready, u = updated and Ready, s = updated and starting,
    /// c = updated and crash-looping, t = terminating, x = outdated and not Ready, l = updated, not Ready for 11 minutes.</summary>
    private static RolloutShard Shard(int index, string pods, bool settled = true) =>
        new(index, Observed: true, DesiredPods: pods.Length, [.. pods.Select((code, ordinal) => Pod(index, ordinal, code))], settled, settled ? null : "1 shard transfer in progress");

    private static RolloutPod Pod(int shard, int ordinal, char code) => new(
        $"docs-shard-{shard}-{ordinal}", ordinal,
        Updated: code is 'u' or 's' or 'c' or 'l',
        Ready: code is 'o' or 'u',
        Terminating: code == 't',
        CrashLooping: code == 'c',
        Created: code == 'l' ? Now - TimeSpan.FromMinutes(11) : Now - TimeSpan.FromSeconds(5));

    public sealed record Case(string Name, RolloutShard[] Shards, RolloutDecision Expected);

    public static TheoryData<Case> Cases => new()
    {
        new("nothing to roll", [Shard(0, "uu"), Shard(1, "uu")], new RolloutDecision.UpToDate()),
        new("start with shard 0, highest ordinal first", [Shard(0, "oo"), Shard(1, "oo")], new RolloutDecision.DeletePod(0, "docs-shard-0-1")),
        new("the replaced pod is starting: wait", [Shard(0, "os"), Shard(1, "oo")], new RolloutDecision.Wait(0, "shard 0: pod docs-shard-0-1 is not Ready yet")),
        new("the replaced pod is terminating: wait", [Shard(0, "ot"), Shard(1, "oo")], new RolloutDecision.Wait(0, "shard 0: pod docs-shard-0-1 is terminating")),
        new("Ready again but the replicas catch up: wait", [Shard(0, "ou", settled: false), Shard(1, "oo")],
            new RolloutDecision.Wait(0, "shard 0: waiting for every replica to be Active again (1 shard transfer in progress)")),
        new("replicas Active: next pod of the same shard", [Shard(0, "ou"), Shard(1, "oo")], new RolloutDecision.DeletePod(0, "docs-shard-0-0")),
        new("shard 0 done: shard 1 next", [Shard(0, "uu"), Shard(1, "oo")], new RolloutDecision.DeletePod(1, "docs-shard-1-1")),
        new("a replaced pod crash-loops: halt, shard 2 untouched", [Shard(0, "uu"), Shard(1, "oc"), Shard(2, "oo")],
            new RolloutDecision.Halt(1, "docs-shard-1-1", "pod docs-shard-1-1 of shard 1 keeps crashing on the new revision")),
        new("a replaced pod not Ready past the timeout: halt", [Shard(0, "ol")],
            new RolloutDecision.Halt(0, "docs-shard-0-1", "pod docs-shard-0-1 of shard 0 is not Ready 600s after it was replaced")),
        new("a one-pod shard whose only pod fails after the replacement: still halted", [Shard(0, "c"), Shard(1, "u")],
            new RolloutDecision.Halt(0, "docs-shard-0-0", "pod docs-shard-0-0 of shard 0 keeps crashing on the new revision")),
        new("an outdated pod that is not Ready is replaced first", [Shard(0, "xo")], new RolloutDecision.DeletePod(0, "docs-shard-0-0")),
        new("every pod updated but one is being recreated: not up to date yet", [Shard(0, "uu"), new RolloutShard(1, true, 2, [Pod(1, 0, 'u')], true, null)],
            new RolloutDecision.Wait(1, "shard 1: 1/2 pods exist")),
        new("a shard missing a pod: wait", [new RolloutShard(0, true, 2, [Pod(0, 0, 'o')], true, null)],
            new RolloutDecision.Wait(0, "shard 0: 1/2 pods exist")),
        new("the StatefulSet controller has not seen the template yet: wait", [Shard(0, "oo") with { Observed = false }],
            new RolloutDecision.Wait(0, "shard 0: waiting for the StatefulSet controller to see the new template")),
        new("pods match the revision the controller has not replaced yet: not up to date, wait", [Shard(0, "uu"), Shard(1, "uu") with { Observed = false }],
            new RolloutDecision.Wait(1, "shard 1: waiting for the StatefulSet controller to see the new template")),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_next_rollout_step_follows_from_the_shards(Case @case) =>
        RolloutPlanner.Next(@case.Shards, Now, Timeout).Should().Be(@case.Expected, @case.Name);
}
