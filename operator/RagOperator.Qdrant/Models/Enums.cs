using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Models;

/// <summary>Vector distance. Cosine and Dot score higher-is-better; Euclid and Manhattan return a distance, lower-is-better.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Distance>))]
public enum Distance
{
    Cosine,
    Euclid,
    Dot,
    Manhattan,
}

[JsonConverter(typeof(JsonStringEnumConverter<CollectionStatus>))]
public enum CollectionStatus
{
    [JsonStringEnumMemberName("green")] Green,
    [JsonStringEnumMemberName("yellow")] Yellow,
    [JsonStringEnumMemberName("grey")] Grey,
    [JsonStringEnumMemberName("red")] Red,
}

[JsonConverter(typeof(JsonStringEnumConverter<UpdateStatus>))]
public enum UpdateStatus
{
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("wait_timeout")] WaitTimeout,
}

/// <summary>Write ordering guarantee (`ordering` query parameter) for update operations.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WriteOrdering>))]
public enum WriteOrdering
{
    [JsonStringEnumMemberName("weak")] Weak,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("strong")] Strong,
}

/// <summary>Qdrant's <c>update_mode</c> of an upsert: insert and update (default), insert new points only, or update existing points only.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UpsertMode>))]
public enum UpsertMode
{
    [JsonStringEnumMemberName("upsert")] Upsert,
    [JsonStringEnumMemberName("insert_only")] InsertOnly,
    [JsonStringEnumMemberName("update_only")] UpdateOnly,
}

/// <summary>Payload index types the operator uses (the cell field is an integer index).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PayloadSchemaType>))]
public enum PayloadSchemaType
{
    [JsonStringEnumMemberName("keyword")] Keyword,
    [JsonStringEnumMemberName("integer")] Integer,
    [JsonStringEnumMemberName("float")] Float,
    [JsonStringEnumMemberName("geo")] Geo,
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("bool")] Bool,
    [JsonStringEnumMemberName("datetime")] Datetime,
    [JsonStringEnumMemberName("uuid")] Uuid,
}

[JsonConverter(typeof(JsonStringEnumConverter<ScalarType>))]
public enum ScalarType
{
    [JsonStringEnumMemberName("int8")] Int8,
}

[JsonConverter(typeof(JsonStringEnumConverter<CompressionRatio>))]
public enum CompressionRatio
{
    [JsonStringEnumMemberName("x4")] X4,
    [JsonStringEnumMemberName("x8")] X8,
    [JsonStringEnumMemberName("x16")] X16,
    [JsonStringEnumMemberName("x32")] X32,
    [JsonStringEnumMemberName("x64")] X64,
}
