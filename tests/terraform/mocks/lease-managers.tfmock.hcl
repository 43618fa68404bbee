# The lease manager of each rendered configuration (tests/render/*, examples/*), with the ARN AWS
# would give it (its function name's): a definition rendered from several lease modules then sends
# each module's lease Tasks to that module's own function, as the local runner (tests/harness)
# needs. Every configuration that uses these mocks loads them all; a target absent from it is
# ignored, so the root module's tests keep the aws_lambda_function default of aws.tfmock.hcl.

# tests/render/depth
override_resource {
  target = module.depth_lease["poll"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-poll-lease-manager" }
}

override_resource {
  target = module.depth_lease["jsonpath"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-jsonpath-lease-manager" }
}

override_resource {
  target = module.depth_lease["retry"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-retry-lease-manager" }
}

override_resource {
  target = module.depth_lease["bounded"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-bounded-lease-manager" }
}

override_resource {
  target = module.depth_lease["jsonata"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-jsonata-lease-manager" }
}

override_resource {
  target = module.depth_lease["jsonata_retry"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-jsonata-retry-lease-manager" }
}

override_resource {
  target = module.depth_renewing.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:depth-renewing-lease-manager" }
}

# tests/render/callback
override_resource {
  target = module.callback_lease["jsonpath"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:callback-jsonpath-lease-manager" }
}

override_resource {
  target = module.callback_lease["jsonata"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:callback-jsonata-lease-manager" }
}

override_resource {
  target = module.callback_fifo.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:callback-fifo-lease-manager" }
}

# tests/render/keys
override_resource {
  target = module.keys_lease["tenant_wait"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:keys-tenant-lease-manager" }
}

override_resource {
  target = module.keys_lease["tenant_callback"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:keys-callback-lease-manager" }
}

override_resource {
  target = module.keys_lease["singleton_jsonpath"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:keys-singleton-jp-lease-manager" }
}

override_resource {
  target = module.keys_lease["singleton_jsonata"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:keys-singleton-ja-lease-manager" }
}

override_resource {
  target = module.keys_lease["fail_jsonpath"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:keys-fail-jp-lease-manager" }
}

override_resource {
  target = module.keys_lease["fail_jsonata"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:keys-fail-ja-lease-manager" }
}

# examples/complete
override_resource {
  target = module.orders_lease.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:complete-example-orders-lease-manager" }
}

override_resource {
  target = module.reporting_lease.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:complete-example-reporting-lease-manager" }
}

# examples/glue-pipeline
override_resource {
  target = module.glue_lease.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:glue-pipeline-glue-lease-manager" }
}

# examples/shared-table
override_resource {
  target = module.workload_lease["analytics"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:shared-lease-platform-analytics-lease-manager" }
}

override_resource {
  target = module.workload_lease["batch"].aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:shared-lease-platform-batch-lease-manager" }
}
