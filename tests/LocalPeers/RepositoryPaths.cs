namespace LocalPeers;

public static class RepositoryPaths
{
    /// <summary>The repository root: the nearest ancestor of the test binaries holding LeaseManager.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeaseManager.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (LeaseManager.sln) above " + AppContext.BaseDirectory);
    }
}
