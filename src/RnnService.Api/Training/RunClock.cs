namespace RnnService.Api.Training;

/// <summary>
/// A run's timing, kept on its training thread: the time left (the mean of this run's epochs so far times the epochs
/// left) and when a checkpoint is due. A checkpoint copies every weight and optimizer buffer, so one is made every
/// Worker:CheckpointInterval, not every epoch, and at once when the run is stopping (pause, shutdown), so that it
/// resumes where it stopped.
/// </summary>
public sealed class RunClock(int totalEpochs, TimeSpan checkpointInterval, TimeProvider time)
{
    private double _secondsSum;
    private int _epochsTimed;
    private long _lastCheckpoint = time.GetTimestamp();

    /// <summary>Counts epoch <paramref name="epoch"/>, which took <paramref name="seconds"/>, and returns the seconds the
    /// rest of the run should take, to a tenth. A resumed run times only its own epochs.</summary>
    public double EpochFinished(int epoch, double seconds)
    {
        _secondsSum += seconds;
        _epochsTimed++;
        return Math.Round(_secondsSum / _epochsTimed * Math.Max(0, totalEpochs - epoch), 1);
    }

    public bool CheckpointDue(bool stopping) => stopping || time.GetElapsedTime(_lastCheckpoint) >= checkpointInterval;

    public void CheckpointTaken() => _lastCheckpoint = time.GetTimestamp();
}
