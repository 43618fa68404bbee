# One run the ASL validators read. Distinct function ARNs (the mocks' lease-managers.tfmock.hcl) send
# each definition's lease Tasks to its own lease manager.

mock_provider "aws" {
  source = "../../terraform/mocks"
}

run "render" {
  command = apply

  assert {
    condition = alltrue([for name, d in local.definitions : alltrue(flatten([for s in values(d.States) : concat(
      [try(contains(keys(d.States), s.Next), !can(s.Next))],
      [try(contains(keys(d.States), s.Default), !can(s.Default))],
      [for c in try(s.Choices, []) : contains(keys(d.States), c.Next)],
      [for c in try(s.Catch, []) : contains(keys(d.States), c.Next)],
    )]))])
    error_message = "every Next, Default and Catch names a state of its definition"
  }

  assert {
    condition     = local.definitions.singleton_jsonpath.States.CheckLeaseStatus.Default == "AlreadyRunning" && !contains(keys(local.definitions.singleton_jsonata.States), "WaitForLease")
    error_message = "skip goes to AlreadyRunning; nothing waits"
  }

  assert {
    condition     = local.definitions.tenant_callback.States.WaitForLease.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken" && can(local.definitions.tenant_callback.States.WaitForLease.Parameters.Payload["concurrency_key.$"])
    error_message = "callback + keys + wait queues on a .waitForTaskToken Task that sends the key"
  }
}
