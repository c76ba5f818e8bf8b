# Installs devenv.exe for this Windows machine into %LOCALAPPDATA%\devenv\bin, as the
# user, never as administrator:
#
#   irm https://github.com/devenv/devenv/releases/latest/download/install.ps1 | iex
#   .\install.ps1 [-BaseUrl URL] [-BinDir DIR]
#
# It downloads checksums.txt and devenv_windows_<arch>.zip from the base URL (-BaseUrl,
# else $env:DEVENV_BASE_URL, else the release page), checks the zip's SHA256 against
# checksums.txt, and only then puts devenv.exe in place: a failure at any step leaves
# nothing installed and says why in one line.
#
# Not run by the tests (there is no PowerShell on the machines that run them); a test
# checks that it asks for the same files as install.sh and checks the checksum.
param(
    [string]$BaseUrl = $env:DEVENV_BASE_URL,
    [string]$BinDir = $env:DEVENV_INSTALL_DIR
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$DefaultBaseUrl = 'https://github.com/devenv/devenv/releases/latest/download'
if (-not $BaseUrl) { $BaseUrl = $DefaultBaseUrl }
$BaseUrl = $BaseUrl.TrimEnd('/')
if (-not $BinDir) { $BinDir = Join-Path $env:LOCALAPPDATA 'devenv\bin' }

# Fail ends the install with one line. It throws rather than exits: run through
# `irm ... | iex` the script shares the user's session, and exit would close it.
function Fail([string]$Message) { throw $Message }

function Install-Devenv {
# The platform, as the archives name it.
switch ($env:PROCESSOR_ARCHITECTURE) {
    'AMD64' { $Arch = 'amd64' }
    default { Fail "no devenv release for Windows on $($env:PROCESSOR_ARCHITECTURE): build from source (see the README)" }
}
$Archive = "devenv_windows_$Arch.zip"

$Tmp = Join-Path ([IO.Path]::GetTempPath()) ("devenv-install-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $Tmp | Out-Null
try {
    try {
        Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/checksums.txt" -OutFile "$Tmp\checksums.txt"
    } catch {
        Fail "cannot download $BaseUrl/checksums.txt: is the address right and the server up? (-BaseUrl or DEVENV_BASE_URL)"
    }
    $Want = $null
    foreach ($Line in Get-Content "$Tmp\checksums.txt") {
        $Fields = $Line -split '\s+'
        if ($Fields.Count -ge 2 -and $Fields[1].TrimStart('*') -eq $Archive) { $Want = $Fields[0].ToLower() }
    }
    if (-not $Want) { Fail "$BaseUrl/checksums.txt lists no $Archive`: this release has no build for windows/$Arch" }

    try {
        Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/$Archive" -OutFile "$Tmp\$Archive"
    } catch {
        Fail "download of $BaseUrl/$Archive failed or was cut short; nothing installed, try again"
    }
    $Got = (Get-FileHash -Algorithm SHA256 -Path "$Tmp\$Archive").Hash.ToLower()
    if ($Got -ne $Want) {
        Fail "checksum mismatch for $Archive (expected $Want, got $Got): a tampered or incomplete download; nothing installed"
    }

    try {
        Expand-Archive -Path "$Tmp\$Archive" -DestinationPath "$Tmp\x"
    } catch {
        Fail "$Archive cannot be unpacked; nothing installed"
    }
    if (-not (Test-Path "$Tmp\x\devenv.exe")) { Fail "$Archive has no devenv.exe in it; nothing installed" }
    $Version = & "$Tmp\x\devenv.exe" --version
    if ($LASTEXITCODE -ne 0) { Fail "the downloaded devenv.exe does not run on this machine; nothing installed" }

    try {
        New-Item -ItemType Directory -Force -Path $BinDir | Out-Null
        # Copy beside the target, then rename: the old binary stays whole until the new one is.
        Copy-Item "$Tmp\x\devenv.exe" "$BinDir\.devenv.new.exe" -Force
        Move-Item "$BinDir\.devenv.new.exe" "$BinDir\devenv.exe" -Force
    } catch {
        Remove-Item "$BinDir\.devenv.new.exe" -ErrorAction SilentlyContinue
        Fail "cannot write to $BinDir (is devenv.exe running?): pick a directory of your own with -BinDir or DEVENV_INSTALL_DIR"
    }
} finally {
    Remove-Item -Recurse -Force $Tmp -ErrorAction SilentlyContinue
}

Write-Output "installed $($Version -replace '^devenv version ', '') as $BinDir\devenv.exe"
$UserPath = [Environment]::GetEnvironmentVariable('Path', 'User')
if (-not (($UserPath -split ';') -contains $BinDir)) {
    Write-Output "$BinDir is not on your PATH: add it with"
    Write-Output "  [Environment]::SetEnvironmentVariable('Path', `"$BinDir;`" + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')   # then open a new terminal"
}
}

try {
    Install-Devenv
} catch {
    [Console]::Error.WriteLine("devenv install: $($_.Exception.Message)")
    # A script run from a file exits non-zero; one piped to iex must not close the window.
    if ($MyInvocation.MyCommand.Path) { exit 1 }
}
