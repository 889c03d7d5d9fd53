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

local degraded = condition("Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded, "Collection is degraded")
  return hs
end

local rebalancing = condition("Rebalancing")
if rebalancing ~= nil and rebalancing.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(rebalancing, "Rebalancing shards")
  return hs
end

local upgrading = condition("Upgrading")
if upgrading ~= nil and upgrading.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(upgrading, "Rolling upgrade")
  return hs
end

local progressing = condition("Progressing")
if progressing ~= nil and progressing.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(progressing, "Reconciling")
  return hs
end

local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Collection is ready")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Waiting for the collection to become ready")
return hs
