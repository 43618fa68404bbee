# What the README quick start refers to but does not define. tools/quickstart.mjs copies this
# folder to build/quickstart and adds main.tf: the quick start's HCL blocks, verbatim from README.md
# (only the module source is pointed at this checkout).

terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
  }
}

provider "aws" {
  region = "eu-central-1"
}

locals {
  # The quick start's two roles differ only in the service that assumes them.
  assume_role_policy = { for service in ["lambda", "states"] : service => jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "${service}.amazonaws.com" } }]
  }) }
}

resource "aws_kms_key" "lambda_env" {
  description = "Quick start: encrypts the lease manager's environment and table"
}

resource "aws_iam_role" "worker" {
  name               = "quickstart-worker"
  assume_role_policy = local.assume_role_policy.lambda
}

resource "aws_lambda_function" "worker" {
  function_name = "quickstart-worker"
  role          = aws_iam_role.worker.arn
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = "${path.module}/worker.zip"
}

resource "aws_iam_role" "workflow" {
  name               = "quickstart-workflow"
  assume_role_policy = local.assume_role_policy.states
}

output "definition" {
  description = "The state machine definition exactly as the quick start renders it."
  value       = local.state_machine_definition
}

output "lambda_permissions" {
  description = "The invoke policy the quick start attaches."
  value       = module.sfn_concurrency.lambda_permissions
}
