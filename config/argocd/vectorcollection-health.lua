-- Argo CD health check for ragoperator.io/VectorCollection, read from the status the operator writes.
-- Order matters: a status older than the spec says nothing about the spec; Degraded outranks everything else; work
-- in flight (a shard migration, a rolling upgrade, anything still awaited) outranks Ready, which stays True meanwhile
-- because the collection keeps serving.
local hs = {}

local function condition(name)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == name then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

-- The first true condition in this order decides: { condition, Argo CD status, message when the condition has none }.
local order = {
  { "Degraded", "Degraded", "Collection is degraded" },
  { "Rebalancing", "Progressing", "Rebalancing shards" },
  { "Upgrading", "Progressing", "Rolling upgrade" },
  { "Progressing", "Progressing", "Reconciling" },
  { "Ready", "Healthy", "Collection is ready" },
}
for _, rule in ipairs(order) do
  local c = condition(rule[1])
  if c ~= nil and c.status == "True" then
    hs.status = rule[2]
    hs.message = describe(c, rule[3])
    return hs
  end
end

hs.status = "Progressing"
hs.message = describe(condition("Ready"), "Waiting for the collection to become ready")
return hs
