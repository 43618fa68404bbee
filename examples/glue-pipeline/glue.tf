################################################################################
# The Glue job: its script in S3, its own role
################################################################################

resource "aws_s3_bucket" "scripts" {
  bucket_prefix = "${var.name_prefix}-scripts-"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "scripts" {
  bucket                  = aws_s3_bucket.scripts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_object" "script" {
  bucket = aws_s3_bucket.scripts.id
  key    = "glue/process_batch.py"
  source = "${path.module}/glue/process_batch.py"
  etag   = filemd5("${path.module}/glue/process_batch.py")
}

data "aws_iam_policy_document" "glue_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "glue" {
  name               = "${var.name_prefix}-glue-job"
  assume_role_policy = data.aws_iam_policy_document.glue_assume_role.json
}

resource "aws_iam_role_policy_attachment" "glue_service" {
  role       = aws_iam_role.glue.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSGlueServiceRole"
}

data "aws_iam_policy_document" "glue_script" {
  statement {
    sid       = "ReadTheScript"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.scripts.arn}/${aws_s3_object.script.key}"]
  }
}

resource "aws_iam_role_policy" "glue_script" {
  name   = "read-script"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue_script.json
}

resource "aws_glue_job" "process_batch" {
  name              = "${var.name_prefix}-process-batch"
  role_arn          = aws_iam_role.glue.arn
  glue_version      = "4.0"
  worker_type       = "G.1X"
  number_of_workers = 2
  execution_class   = "STANDARD"
  timeout           = var.glue_job_timeout_minutes
  # Step Functions retries a failed run (2 retries, exponential backoff); retries inside Glue
  # would multiply the attempts and stretch the time the lease must cover.
  max_retries = 0

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_bucket.scripts.id}/${aws_s3_object.script.key}"
  }

  default_arguments = {
    "--job-language" = "python"
  }

  # Glue's own limit refuses a run beyond it (ConcurrentRunsExceededException) instead of queueing
  # it; the lease queues the batch instead, so Glue's limit is only set to match.
  execution_property {
    max_concurrent_runs = var.max_concurrent_jobs
  }
}
