# syntax=docker/dockerfile:1
# Build:  docker build -t rnnservice .
# Run:    docker run -p 8080:8080 -v rnnservice-data:/app/data rnnservice
#         (or: docker compose -f docker/compose.yaml up --build)

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
# Restore first, from the project files only, so the layer is reused until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props RnnService.sln appsettings.json ./
COPY src/RnnService.Engine/RnnService.Engine.csproj src/RnnService.Engine/
COPY src/RnnService.Api/RnnService.Api.csproj src/RnnService.Api/
RUN dotnet restore src/RnnService.Api/RnnService.Api.csproj -a $TARGETARCH -p:PublishReadyToRun=true
COPY src/ src/
# ReadyToRun: the service's and its packages' code is compiled ahead of time for the image's architecture, so a
# replica starts, and runs its first job, with less JIT work (docs/benchmarks.md, "cold").
RUN dotnet publish src/RnnService.Api/RnnService.Api.csproj -c Release -a $TARGETARCH --self-contained false \
    -p:PublishReadyToRun=true -o /app/publish --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/publish .
# The database lives on a volume owned by the image's non-root "app" user.
RUN mkdir -p /app/data && chown "$APP_UID" /app/data
ENV ConnectionStrings__RnnService="Data Source=/app/data/rnnservice.db" \
    ASPNETCORE_URLS=http://+:8080
VOLUME /app/data
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "RnnService.Api.dll"]
